#include "latent/train/classifier.h"

#include <cmath>

#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/io/container.h"
#include "latent/model/model_file.h"
#include "latent/train/corruption.h"
#include "latent/train/fused_adam.h"

namespace latent {

ClassifierImpl::ClassifierImpl(Autoencoder body, int64_t classes) : body_(std::move(body)), classes_(classes) {
  if (classes < 2) throw Error("a classifier needs at least 2 classes");
  head_ = torch::nn::Linear(body_->spec().latent, classes);
  register_module("body", body_);
  register_module("head", head_);
}

torch::Tensor ClassifierImpl::forward(const torch::Tensor& x) { return head_->forward(body_->encode(x)); }

void ClassifierTrainOptions::validate() const {
  if (epochs < 1) throw SettingError("epochs", "must be at least 1");
  if (batch < 1) throw SettingError("batch", "must be at least 1");
  if (!(lr > 0) || !std::isfinite(lr)) throw SettingError("lr", "must be positive");
  if (weight_decay < 0) throw SettingError("weight decay", "must be >= 0");
}

nlohmann::json ClassifierTrainOptions::to_json() const {
  return {{"epochs", epochs},
          {"batch", batch},
          {"lr", lr},
          {"weight_decay", weight_decay},
          {"freeze_encoder", freeze_encoder},
          {"corrupt", corrupt.str()},
          {"seed", seed}};
}

void train_classifier(Classifier& model, const Dataset& train, const ClassifierTrainOptions& options,
                      const ClassifierEpochCallback& on_epoch) {
  options.validate();
  if (!train.has_labels()) throw Error("training a classifier needs labelled data");
  // Only the decoder is never trained: it does not take part in classification.
  std::vector<torch::Tensor> params = model->head()->parameters();
  if (!options.freeze_encoder)
    for (const auto& item : model->body()->named_parameters())
      if (item.key().rfind("encoder.", 0) == 0) params.push_back(item.value());
  FusedAdam optimizer(params, torch::optim::AdamOptions(options.lr).weight_decay(options.weight_decay));
  const int64_t n = train.size();
  const int64_t steps_per_epoch = (n + options.batch - 1) / options.batch;
  const int64_t total_steps = steps_per_epoch * options.epochs;
  model->train();
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    torch::manual_seed(options.seed * 1000003ull + static_cast<uint64_t>(epoch));
    torch::Tensor order = torch::randperm(n, torch::kInt64);
    Progress progress("epoch " + std::to_string(epoch) + "/" + std::to_string(options.epochs), steps_per_epoch);
    double loss_sum = 0;
    int64_t correct = 0;
    for (int64_t step = 0; step < steps_per_epoch; ++step) {
      double progress_fraction =
          static_cast<double>((epoch - 1) * steps_per_epoch + step) / static_cast<double>(total_steps);
      for (auto& group : optimizer.param_groups())
        group.options().set_lr(options.lr * 0.5 * (1.0 + std::cos(M_PI * progress_fraction)));
      torch::Tensor idx = order.slice(0, step * options.batch, (step + 1) * options.batch);
      torch::Tensor x = train.gather(idx), y = train.y.index_select(0, idx);
      optimizer.zero_grad();
      torch::Tensor logits = model->forward(corrupt(x, options.corrupt));
      torch::Tensor loss = torch::nn::functional::cross_entropy(logits, y);
      double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value))
        throw Error("the classifier's loss became " + std::to_string(loss_value) + " at epoch " +
                    std::to_string(epoch) + "; try a lower --lr");
      loss.backward();
      optimizer.step();
      loss_sum += loss_value * x.size(0);
      correct += logits.argmax(1).eq(y).sum().item<int64_t>();
      progress.update(step + 1, "loss " + std::to_string(loss_value).substr(0, 7));
    }
    double accuracy = static_cast<double>(correct) / static_cast<double>(n);
    progress.finish("train loss " + std::to_string(loss_sum / n) + ", accuracy " + std::to_string(accuracy));
    on_epoch(epoch, loss_sum / static_cast<double>(n), accuracy);
  }
  model->eval();
}

torch::Tensor predict_classes(Classifier& model, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  model->eval();
  std::vector<torch::Tensor> parts;
  constexpr int64_t kBatch = 2048;
  for (int64_t start = 0; start < x.size(0); start += kBatch)
    parts.push_back(model->forward(x.slice(0, start, std::min(start + kBatch, x.size(0)))).argmax(1));
  return torch::cat(parts);
}

nlohmann::json evaluate_classifier(Classifier& model, const Dataset& data) {
  if (!data.has_labels()) throw Error("evaluating a classifier needs labelled data");
  torch::Tensor predicted = predict_classes(model, data.inputs());
  const int64_t classes = model->classes();
  std::vector<std::vector<int64_t>> confusion(classes, std::vector<int64_t>(classes, 0));
  auto truth = data.y.accessor<int64_t, 1>();
  auto guess = predicted.accessor<int64_t, 1>();
  int64_t correct = 0;
  for (int64_t i = 0; i < data.size(); ++i) {
    if (truth[i] < 0 || truth[i] >= classes)
      throw Error("label " + std::to_string(truth[i]) + " is outside the classifier's " + std::to_string(classes) +
                  " classes");
    ++confusion[truth[i]][guess[i]];
    correct += truth[i] == guess[i];
  }
  double accuracy = static_cast<double>(correct) / static_cast<double>(data.size());
  return {{"n", data.size()}, {"accuracy", accuracy}, {"error_rate", 1.0 - accuracy}, {"confusion", confusion}};
}

Dataset balanced_subset(const Dataset& data, int64_t count, int64_t classes, uint64_t seed) {
  if (!data.has_labels()) throw SettingError("labels", "needs labelled data");
  if (count < classes)
    throw SettingError("labels",
                       std::to_string(count) + ": need at least one per class (" + std::to_string(classes) + ")");
  torch::manual_seed(seed);
  torch::Tensor order = torch::randperm(data.size(), torch::kInt64);
  auto labels = data.y.accessor<int64_t, 1>();
  auto idx = order.accessor<int64_t, 1>();
  std::vector<int64_t> wanted(classes), chosen;
  for (int64_t c = 0; c < classes; ++c) wanted[c] = count / classes + (c < count % classes ? 1 : 0);
  for (int64_t i = 0; i < data.size() && static_cast<int64_t>(chosen.size()) < count; ++i) {
    int64_t label = labels[idx[i]];
    if (label >= 0 && label < classes && wanted[label] > 0) {
      --wanted[label];
      chosen.push_back(idx[i]);
    }
  }
  if (static_cast<int64_t>(chosen.size()) < count)
    throw SettingError("labels", std::to_string(count) + ": the data has too few samples of some class");
  std::sort(chosen.begin(), chosen.end());
  return data.select(torch::tensor(chosen, torch::kInt64));
}

void save_classifier(const std::string& path, Classifier& model, const Normalization& norm,
                     const nlohmann::json& meta) {
  torch::serialize::OutputArchive archive;
  write_model_fields(archive, model->body(), norm, meta);
  archive.write("classes", c10::IValue(model->classes()));
  torch::serialize::OutputArchive head;
  model->head()->save(head);
  archive.write("head", head);
  write_file_atomic(path, pack_container("classifier", archive_bytes(archive)));
}

LoadedClassifier load_classifier(const std::string& path) {
  torch::serialize::InputArchive archive;
  const std::string payload = read_container(path, "classifier");
  load_archive(archive, payload, path);
  LoadedModel body = read_model_fields(archive, payload.size(), path);
  c10::IValue classes;
  if (!archive.try_read("classes", classes) || !classes.isInt())
    throw Error(path + ": classifier file has no class count");
  constexpr int64_t kMaxClasses = 1 << 20;  // the softmax layer is allocated from this count
  if (classes.toInt() < 1 || classes.toInt() > kMaxClasses)
    throw Error(path + ": damaged classifier file (class count)");
  LoadedClassifier loaded{Classifier(body.model, classes.toInt()), body.normalization, body.meta};
  load_module_checked(*loaded.model->head(), archive, "head",
                      path + ": the softmax layer does not match the classifier's shape");
  loaded.model->eval();
  return loaded;
}

}  // namespace latent
