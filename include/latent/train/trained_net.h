#pragma once
// What a Trainer trains. The loop (shuffles, learning rate schedule, validation, early stopping,
// the NaN stop, checkpoints and resume) is the Trainer's alone; a TrainedNet says which weights
// the optimizer steps, how a step's gradients are computed, what held-out rows are judged by
// and what a checkpoint keeps. Two kinds: an autoencoder (AutoencoderNet, here) and a
// classifier on an encoder (ClassifierNet, classifier.h).
#include <memory>
#include <vector>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "latent/io/normalization.h"
#include "latent/model/autoencoder.h"
#include "latent/train/gradient_engine.h"

namespace latent {

class TrainedNet {
 public:
  virtual ~TrainedNet() = default;
  virtual torch::nn::Module& module() = 0;
  /// The autoencoder trained, or the one whose encoder a classifier trains.
  virtual Autoencoder& autoencoder() = 0;
  /// What the optimizer steps.
  virtual std::vector<torch::Tensor> trained_parameters() = 0;
  /// The engine fit() uses when it was given none.
  virtual std::unique_ptr<GradientEngine> default_engine() = 0;
  /// Mean loss of the rows x (labels: their int64 labels, or undefined), without gradients.
  virtual torch::Tensor validation_loss(const torch::Tensor& x, const torch::Tensor& labels) = 0;
  /// Does every step need the rows' labels?
  virtual bool needs_labels() const = 0;
  /// The binary codes' neighbour pull: every batch is half anchors and half one of each
  /// anchor's k nearest training rows. This is k, or 0 for plain batches.
  virtual int64_t pull_neighbours() const = 0;
  /// Before an epoch's first step (schedules that depend on the epoch).
  virtual void start_epoch(int epoch) = 0;
  /// The first epoch whose weights may be kept as the best (after any noise ramp).
  virtual int first_selectable_epoch(int epochs) const = 0;
  /// Writes the weights and the net's settings into a checkpoint's archive.
  virtual void write(torch::serialize::OutputArchive& archive, const Normalization& norm,
                     const nlohmann::json& meta) = 0;
};

class AutoencoderNet : public TrainedNet {
 public:
  explicit AutoencoderNet(Autoencoder model) : model_(std::move(model)) {}
  torch::nn::Module& module() override { return *model_; }
  Autoencoder& autoencoder() override { return model_; }
  std::vector<torch::Tensor> trained_parameters() override { return model_->parameters(); }
  std::unique_ptr<GradientEngine> default_engine() override;
  /// The training objective (a denoiser's on corrupted rows).
  torch::Tensor validation_loss(const torch::Tensor& x, const torch::Tensor& labels) override;
  bool needs_labels() const override { return false; }
  int64_t pull_neighbours() const override;
  void start_epoch(int epoch) override { model_->set_epoch(epoch); }
  int first_selectable_epoch(int epochs) const override;
  void write(torch::serialize::OutputArchive& archive, const Normalization& norm, const nlohmann::json& meta) override;

 private:
  Autoencoder model_;
};

}  // namespace latent
