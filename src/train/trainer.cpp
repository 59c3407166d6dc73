#include "latent/train/trainer.h"

#include <chrono>
#include <cmath>
#include <optional>

#include "base/json_number.h"
#include "latent/base/error.h"
#include "latent/base/interrupt.h"
#include "latent/base/progress.h"
#include "latent/data/batch_reader.h"
#include "latent/model/model_file.h"
#include "latent/train/fused_adam.h"
#include "latent/train/neighbour_graph.h"

namespace latent {

void TrainOptions::validate() const {
  if (epochs < 1) throw SettingError("epochs", "must be at least 1");
  if (batch < 1) throw SettingError("batch", "must be at least 1");
  if (!(lr > 0) || !std::isfinite(lr)) throw SettingError("lr", "must be positive");
  if (momentum < 0 || momentum >= 1) throw SettingError("momentum", "must be in [0, 1)");
  if (weight_decay < 0) throw SettingError("weight decay", "must be >= 0");
  if (patience < 0) throw SettingError("patience", "must be >= 0");
}

nlohmann::json TrainOptions::to_json() const {
  return {{"epochs", epochs},
          {"batch", batch},
          {"lr", lr},
          {"optimizer", name_of(optimizer)},
          {"momentum", momentum},
          {"weight_decay", weight_decay},
          {"schedule", name_of(schedule)},
          {"patience", patience},
          {"seed", seed}};
}

TrainOptions TrainOptions::from_json(const nlohmann::json& j) {
  TrainOptions o;
  o.epochs = static_cast<int>(json_int(j.at("epochs")));
  o.batch = json_int(j.at("batch"));
  o.lr = j.at("lr");
  o.optimizer = parse_part<Optimizer>("optimizer", j.at("optimizer"));
  o.momentum = j.at("momentum");
  o.weight_decay = j.at("weight_decay");
  o.schedule = parse_part<LrSchedule>("schedule", j.at("schedule"));
  o.patience = static_cast<int>(json_int(j.at("patience")));
  o.seed = j.at("seed").is_number_unsigned()
               ? j.at("seed").get<uint64_t>()
               : static_cast<uint64_t>(json_int(j.at("seed"), 0, std::numeric_limits<int64_t>::max()));
  o.validate();
  return o;
}

nlohmann::json EpochStats::to_json() const {
  nlohmann::json j = {
      {"epoch", epoch}, {"train_loss", train_loss}, {"lr", lr}, {"seconds", seconds}, {"images_per_s", images_per_s}};
  j["val_loss"] = std::isnan(val_loss) ? nlohmann::json(nullptr) : nlohmann::json(val_loss);
  return j;
}

nlohmann::json TrainState::to_json() const {
  nlohmann::json j = {{"epochs_done", epochs_done}, {"best_epoch", best_epoch}, {"history", nlohmann::json::array()}};
  j["best_loss"] = std::isinf(best_loss) ? nlohmann::json(nullptr) : nlohmann::json(best_loss);
  for (const auto& s : history) j["history"].push_back(s.to_json());
  return j;
}

TrainState TrainState::from_json(const nlohmann::json& j) {
  TrainState state;
  state.epochs_done = static_cast<int>(json_int(j.at("epochs_done")));
  state.best_epoch = static_cast<int>(json_int(j.at("best_epoch")));
  state.best_loss =
      j.at("best_loss").is_null() ? std::numeric_limits<double>::infinity() : j.at("best_loss").get<double>();
  for (const auto& h : j.at("history")) {
    EpochStats s;
    s.epoch = static_cast<int>(json_int(h.at("epoch")));
    s.train_loss = h.at("train_loss");
    s.val_loss = h.at("val_loss").is_null() ? std::numeric_limits<double>::quiet_NaN() : h.at("val_loss").get<double>();
    s.lr = h.at("lr");
    s.seconds = h.at("seconds");
    s.images_per_s = h.at("images_per_s");
    state.history.push_back(s);
  }
  return state;
}

Trainer::Trainer(std::shared_ptr<TrainedNet> net, TrainOptions options)
    : net_(std::move(net)), options_(std::move(options)) {
  options_.validate();
  if (options_.optimizer == Optimizer::adam)
    optimizer_ = std::make_unique<FusedAdam>(
        net_->trained_parameters(), torch::optim::AdamOptions(options_.lr).weight_decay(options_.weight_decay));
  else
    optimizer_ = std::make_unique<torch::optim::SGD>(
        net_->trained_parameters(),
        torch::optim::SGDOptions(options_.lr).momentum(options_.momentum).weight_decay(options_.weight_decay));
}

Trainer::Trainer(Autoencoder model, TrainOptions options)
    : Trainer(std::make_shared<AutoencoderNet>(std::move(model)), std::move(options)) {}

double Trainer::learning_rate(int64_t step, int64_t total_steps) const {
  double progress = static_cast<double>(step) / static_cast<double>(std::max<int64_t>(total_steps, 1));
  if (options_.schedule == LrSchedule::cosine) return options_.lr * 0.5 * (1.0 + std::cos(M_PI * progress));
  if (options_.schedule == LrSchedule::step) return options_.lr * (progress < 0.5 ? 1.0 : progress < 0.75 ? 0.1 : 0.01);
  if (options_.schedule == LrSchedule::iwae) {
    // Burda et al. 2016: lr · 10^(-i/7) for 3^i epochs, i = 0..7 (3,280 epochs), scaled to the run.
    double stage_end = 1, elapsed = progress * 3280.0;
    int stage = 0;
    while (stage < 7 && elapsed >= stage_end) stage_end += std::pow(3.0, ++stage);
    return options_.lr * std::pow(10.0, -stage / 7.0);
  }
  return options_.lr;
}

double Trainer::validation_loss(const Dataset& val) {
  torch::NoGradGuard no_grad;
  net_->module().eval();
  double total = 0;
  // Any noise in the validation loss (a denoiser scores corrupted inputs) is the same every
  // epoch; fit() reseeds before the next epoch.
  torch::manual_seed(options_.seed * 1000003ull);
  constexpr int64_t kEvalBatch = 2048;
  for (int64_t start = 0; start < val.size(); start += kEvalBatch) {
    const int64_t end = std::min(start + kEvalBatch, val.size());
    torch::Tensor x = val.rows(start, end);
    torch::Tensor labels = val.has_labels() ? val.y.slice(0, start, end) : torch::Tensor();
    total += net_->validation_loss(x, labels).item<double>() * x.size(0);
  }
  net_->module().train();
  return total / static_cast<double>(val.size());
}

void Trainer::fit(const Dataset& train, const Dataset& val, const EpochCallback& on_epoch) {
  const int64_t n = train.size();
  if (net_->needs_labels() && (!train.has_labels() || (!val.empty() && !val.has_labels())))
    throw SettingError("labels", "this net trains on labelled data");
  // The neighbour pull: every batch is half anchors, half one neighbour of each, so an epoch
  // (every image an anchor once) takes twice the steps.
  const int64_t pull_neighbours = net_->pull_neighbours();
  const bool neighbour_pairs = pull_neighbours > 0;
  if (neighbour_pairs && options_.batch < 2) throw SettingError("neighbour pull", "needs a batch of at least 2");
  torch::Tensor neighbours;
  if (neighbour_pairs) {
    Progress graph("neighbour graph: the " + std::to_string(pull_neighbours) + " nearest of " + std::to_string(n) +
                       " training images",
                   1);
    neighbours = nearest_neighbours(train.inputs(), pull_neighbours);
    graph.finish();
  }
  const int64_t anchors_per_step = neighbour_pairs ? options_.batch / 2 : options_.batch;
  const int64_t steps_per_epoch = (n + anchors_per_step - 1) / anchors_per_step;
  const int64_t total_steps = steps_per_epoch * options_.epochs;
  const bool has_val = !val.empty();
  // Dynamic binarisation: each batch is drawn afresh from the epoch's seed; validation reads one
  // fixed draw, so its loss is comparable from epoch to epoch.
  const bool binarize = net_->autoencoder()->spec().binarize == Binarize::dynamic;
  const Dataset val_seen = binarize && has_val ? binarized(val) : val;
  const int selectable_from = net_->first_selectable_epoch(options_.epochs);
  if (!engine_) engine_ = net_->default_engine();
  const torch::Tensor no_labels;
  const torch::Tensor& labels = net_->needs_labels() ? train.y : no_labels;
  net_->module().train();
  for (int epoch = state_.epochs_done + 1; epoch <= options_.epochs; ++epoch) {
    torch::manual_seed(options_.seed * 1000003ull + static_cast<uint64_t>(epoch));
    net_->start_epoch(epoch);
    torch::Tensor order = torch::randperm(n, torch::kInt64);
    Progress progress("epoch " + std::to_string(epoch) + "/" + std::to_string(options_.epochs), steps_per_epoch);
    auto start_time = std::chrono::steady_clock::now();
    double loss_sum = 0;
    int64_t rows_seen = 0;
    double lr = options_.lr;
    auto step_rows = [&](int64_t step) {
      return order.slice(0, step * anchors_per_step, (step + 1) * anchors_per_step);
    };
    // A pack's batches are read and normalised one at a time, the next one on another thread
    // while this one computes (with the neighbour pull, whose partners are drawn at the step, in line).
    std::optional<BatchReader> reader;
    if (train.packed && !neighbour_pairs) reader.emplace(train);
    if (reader) reader->request(step_rows(0));
    for (int64_t step = 0; step < steps_per_epoch; ++step) {
      if (interrupt_requested()) throw Interrupted("interrupted in epoch " + std::to_string(epoch));
      lr = learning_rate((epoch - 1) * steps_per_epoch + step, total_steps);
      for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);
      torch::Tensor rows = step_rows(step);
      if (neighbour_pairs) rows = anchors_with_neighbours(rows, neighbours);
      double loss_value;
      if (train.packed || binarize) {
        torch::Tensor batch = reader ? reader->take() : train.gather(rows);
        if (reader && step + 1 < steps_per_epoch) reader->request(step_rows(step + 1));
        if (binarize) batch = torch::bernoulli(batch);
        loss_value = engine_->gradients(batch, torch::arange(batch.size(0)),
                                        labels.defined() ? labels.index_select(0, rows) : labels);
      } else {
        loss_value = engine_->gradients(train.x, rows, labels);
      }
      if (!std::isfinite(loss_value))
        throw Error("the loss became " + std::to_string(loss_value) + " at epoch " + std::to_string(epoch) + ", step " +
                    std::to_string(step + 1) + "; the last checkpoint is kept. Try a lower learning rate");
      optimizer_->step();
      loss_sum += loss_value * rows.size(0);
      rows_seen += rows.size(0);
      progress.update(step + 1, "loss " + std::to_string(loss_value).substr(0, 7));
    }
    EpochStats stats;
    stats.epoch = epoch;
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
    stats.images_per_s = static_cast<double>(rows_seen) / stats.seconds;
    stats.train_loss = loss_sum / static_cast<double>(rows_seen);
    stats.lr = lr;
    if (has_val) stats.val_loss = validation_loss(val_seen);
    // The last step of an epoch can send the weights to infinity with a finite loss; validation
    // then sees NaN. Either way nothing of this epoch reaches the disk.
    const std::string diverged = non_finite_weight(net_->module());
    if (!diverged.empty() || (has_val && !std::isfinite(stats.val_loss)))
      throw Error((diverged.empty() ? "the validation loss became " + std::to_string(stats.val_loss)
                                    : "the weight " + diverged + " became NaN or infinite") +
                  " at epoch " + std::to_string(epoch) + "; the last checkpoint is kept. Try a lower learning rate");
    progress.finish(has_val ? "val loss " + std::to_string(stats.val_loss)
                            : "train loss " + std::to_string(stats.train_loss));
    double monitored = has_val ? stats.val_loss : stats.train_loss;
    bool improved = epoch >= selectable_from && monitored < state_.best_loss;
    if (improved) {
      state_.best_loss = monitored;
      state_.best_epoch = epoch;
    }
    state_.epochs_done = epoch;
    state_.history.push_back(stats);
    on_epoch(stats, improved);
    if (!checkpoint_path_.empty()) write_checkpoint();
    if (options_.patience > 0 && epoch - std::max(state_.best_epoch, selectable_from - 1) >= options_.patience) {
      log_line("early stop: no better validation loss for " + std::to_string(options_.patience) +
               " epochs (best: epoch " + std::to_string(state_.best_epoch) + ")");
      break;
    }
  }
  net_->module().eval();
}

}  // namespace latent
