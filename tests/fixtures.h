#pragma once
// Shared by the torch tests: small real MNIST slices and scratch paths.
#include <unistd.h>

#include <filesystem>
#include <string>

#include "latent/data/dataset.h"
#include "latent/io/data_source.h"
#include "latent/io/model_spec.h"
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

}  // namespace latent::testing
