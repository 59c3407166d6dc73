#pragma once
// Trains a TrainedNet (an autoencoder, or a classifier on an encoder): epochs of shuffled
// mini-batches, Adam or SGD with momentum, a learning rate schedule, validation loss and early
// stopping, the NaN stop, a checkpoint after every epoch. The one training loop of the library.
// A model with Binarize::dynamic gets every batch as fresh binary draws of its pixels, and is
// validated on one fixed draw (binarized()).
//
// Reproducibility: weights are initialised from --seed by the caller; epoch e shuffles (and
// draws any noise) from seed·1000003 + e, so a resumed run replays exactly the epochs it missed.
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "latent/data/dataset.h"
#include "latent/io/model_parts.h"
#include "latent/io/normalization.h"
#include "latent/model/autoencoder.h"
#include "latent/train/gradient_engine.h"
#include "latent/train/trained_net.h"

namespace latent {

enum class Optimizer { adam, sgd };
/// constant; cosine (to 0 over all epochs); step (×0.1 at 50 % and 75 %); iwae (Burda et al. 2016:
/// ×10^(-i/7) for 3^i of 3,280 epochs, i = 0..7, scaled to the run).
enum class LrSchedule { constant, cosine, step, iwae };

template <>
struct PartNames<Optimizer> {
  static constexpr std::array<const char*, 2> names{"adam", "sgd"};
};
template <>
struct PartNames<LrSchedule> {
  static constexpr std::array<const char*, 4> names{"constant", "cosine", "step", "iwae"};
};

struct TrainOptions {
  int epochs = 20;
  int64_t batch = 128;
  double lr = 3e-3;
  Optimizer optimizer = Optimizer::adam;
  double momentum = 0.9;  ///< sgd only
  double weight_decay = 0.0;
  LrSchedule schedule = LrSchedule::cosine;
  int patience = 0;  ///< stop after this many epochs without a better validation loss; 0 = never
  uint64_t seed = 0;

  void validate() const;
  nlohmann::json to_json() const;
  static TrainOptions from_json(const nlohmann::json& j);
};

struct EpochStats {
  int epoch = 0;
  double train_loss = 0;                                       ///< mean loss over the epoch's batches
  double val_loss = std::numeric_limits<double>::quiet_NaN();  ///< NaN without a validation set
  double lr = 0;                                               ///< learning rate at the end of the epoch
  double seconds = 0;                                          ///< training time of the epoch (validation excluded)
  double images_per_s = 0;
  nlohmann::json to_json() const;
};

struct TrainState {
  int epochs_done = 0;
  double best_loss = std::numeric_limits<double>::infinity();  ///< validation loss (train loss without val)
  int best_epoch = 0;
  std::vector<EpochStats> history;
  nlohmann::json to_json() const;
  static TrainState from_json(const nlohmann::json& j);
};

class Trainer {
 public:
  /// improved: this epoch has the best validation loss so far (the caller saves the model).
  using EpochCallback = std::function<void(const EpochStats& stats, bool improved)>;

  Trainer(std::shared_ptr<TrainedNet> net, TrainOptions options);
  /// An AutoencoderNet.
  Trainer(Autoencoder model, TrainOptions options);

  /// Runs epochs state().epochs_done+1 .. options().epochs (or until early stopping). After
  /// each epoch: on_epoch, then the checkpoint (when checkpoint_path is set). A NaN or infinite
  /// loss throws latent::Error and leaves the last checkpoint as it was.
  void fit(const Dataset& train, const Dataset& val, const EpochCallback& on_epoch);

  void set_checkpoint(std::string path, Normalization norm, nlohmann::json meta);
  /// Restores the net (of either kind), optimizer and progress from a checkpoint written by fit().
  static Trainer resume(const std::string& path, Normalization& norm, nlohmann::json& meta);

  /// How fit() computes each step's gradients (gradient_engine.h). Without one, fit() takes the
  /// net's default: for an autoencoder, make_gradient_engine's for one process (the dense passes
  /// where the model allows, else autograd).
  void set_engine(std::unique_ptr<GradientEngine> engine) { engine_ = std::move(engine); }
  torch::optim::Optimizer& optimizer() { return *optimizer_; }

  TrainedNet& net() { return *net_; }
  Autoencoder& model() { return net_->autoencoder(); }  ///< a classifier's: the one with its encoder
  const TrainOptions& options() const { return options_; }
  TrainOptions& mutable_options() { return options_; }
  const TrainState& state() const { return state_; }

 private:
  double learning_rate(int64_t step, int64_t total_steps) const;
  double validation_loss(const Dataset& val);
  void write_checkpoint();

  std::shared_ptr<TrainedNet> net_;
  TrainOptions options_;
  TrainState state_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::string checkpoint_path_;
  Normalization checkpoint_norm_;
  nlohmann::json checkpoint_meta_;
  std::unique_ptr<GradientEngine> engine_;
};

}  // namespace latent
