// Trainer checkpoints: a latent container of kind "checkpoint" holding the net's fields (as in a
// model or classifier file), the optimizer state, and the training options and progress.
#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/io/container.h"
#include "latent/model/model_file.h"
#include "latent/train/classifier.h"
#include "latent/train/trainer.h"
#include "train/optimizer_check.h"

namespace latent {
namespace {

// Optimizer::load takes the archive's state tensors as they are: a moment of the wrong shape or
// type would fail, or write out of bounds in the fused Adam kernel, at the first step.
bool state_matches(const torch::optim::OptimizerParamState& state, const torch::Tensor& param) {
  auto same = [&](const torch::Tensor& t) {
    return !t.defined() || (t.sizes() == param.sizes() && t.scalar_type() == param.scalar_type() && t.is_contiguous());
  };
  if (const auto* adam = dynamic_cast<const torch::optim::AdamParamState*>(&state))
    return same(adam->exp_avg()) && same(adam->exp_avg_sq()) && same(adam->max_exp_avg_sq());
  if (const auto* sgd = dynamic_cast<const torch::optim::SGDParamState*>(&state)) return same(sgd->momentum_buffer());
  return false;
}

}  // namespace

void check_optimizer_state(torch::optim::Optimizer& optimizer, const std::string& path) {
  for (const auto& group : optimizer.param_groups())
    for (const auto& param : group.params()) {
      auto found = optimizer.state().find(c10::guts::to_string(param.unsafeGetTensorImpl()));
      if (found != optimizer.state().end() && !state_matches(*found->second, param))
        throw Error(path + ": optimizer state does not match the model");
    }
}

void Trainer::set_checkpoint(std::string path, Normalization norm, nlohmann::json meta) {
  checkpoint_path_ = std::move(path);
  checkpoint_norm_ = std::move(norm);
  checkpoint_meta_ = std::move(meta);
}

void Trainer::write_checkpoint() {
  torch::serialize::OutputArchive archive;
  net_->write(archive, checkpoint_norm_, checkpoint_meta_);
  torch::serialize::OutputArchive optimizer_archive;
  optimizer_->save(optimizer_archive);
  archive.write("optimizer", optimizer_archive);
  nlohmann::json train = {{"options", options_.to_json()}, {"state", state_.to_json()}};
  archive.write("train", c10::IValue(train.dump()));
  write_file_atomic(checkpoint_path_, pack_container("checkpoint", archive_bytes(archive)));
}

Trainer Trainer::resume(const std::string& path, Normalization& norm, nlohmann::json& meta) {
  torch::serialize::InputArchive archive;
  const std::string payload = read_container(path, "checkpoint");
  load_archive(archive, payload, path);
  LoadedModel loaded = read_model_fields(archive, payload.size(), path);
  c10::IValue train_value;
  if (!archive.try_read("train", train_value) || !train_value.isString())
    throw Error(path + ": checkpoint has no training state");
  TrainOptions options;
  TrainState state;
  try {
    nlohmann::json train = nlohmann::json::parse(train_value.toStringRef());
    options = TrainOptions::from_json(train.at("options"));
    state = TrainState::from_json(train.at("state"));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": damaged training state in checkpoint");
  }
  std::shared_ptr<TrainedNet> net = ClassifierNet::read(archive, loaded.model, path);
  if (!net) net = std::make_shared<AutoencoderNet>(loaded.model);
  Trainer trainer(net, options);
  try {
    torch::serialize::InputArchive optimizer_archive;
    archive.read("optimizer", optimizer_archive);
    trainer.optimizer_->load(optimizer_archive);
  } catch (const std::exception& e) {
    throw Error(path + ": optimizer state does not match the model");
  }
  check_optimizer_state(*trainer.optimizer_, path);
  trainer.state_ = std::move(state);
  trainer.net_->module().train();
  norm = loaded.normalization;
  meta = loaded.meta;
  trainer.set_checkpoint(path, norm, meta);
  return trainer;
}

}  // namespace latent
