#pragma once
// Shared by the torch tests: small real MNIST slices and scratch paths.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "latent/data/dataset.h"
#include "latent/io/data_source.h"
#include "latent/io/model_spec.h"
#include "latent/train/trainer.h"
#include "scratch_path.h"

namespace latent::testing {

inline Dataset mnist_slice(const std::string& split, int64_t count) {
  RawData raw = load_raw("mnist", split, count);
  return make_dataset(std::move(raw), Normalization::fit(raw));
}

inline ModelSpec mnist_spec(std::vector<int64_t> layers, int64_t latent) {
  ModelSpec spec;
  spec.input_shape = {1, 28, 28};
  spec.layers = std::move(layers);
  spec.latent = latent;
  return spec;
}

/// Squared error per image of the best prediction that ignores its input: the training images'
/// mean image. A model that learned nothing of the inputs does no better.
inline double mean_image_sse(const Dataset& train, const Dataset& test) {
  return (test.x - train.x.mean(0)).pow(2).sum(1).mean().item<double>();
}

/// A run "killed" by an exception in the callback of epoch `kill_epoch`, after writing checkpoint
/// `ckpt`: the validation losses of the epochs before it. The checkpoint then holds them.
inline std::vector<double> fit_until_killed(Trainer& trainer, const std::string& ckpt, const Dataset& train,
                                            const Dataset& val, int kill_epoch, nlohmann::json meta) {
  trainer.set_checkpoint(ckpt, Normalization{}, std::move(meta));
  std::vector<double> losses;
  try {
    trainer.fit(train, val, [&](const EpochStats& s, bool) {
      if (s.epoch == kill_epoch) throw std::runtime_error("killed");
      losses.push_back(s.val_loss);
    });
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()) == "killed") return losses;
    throw;
  }
  ADD_FAILURE() << "the run was not killed in epoch " << kill_epoch;
  return losses;
}

}  // namespace latent::testing
