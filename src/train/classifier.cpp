#include "latent/train/classifier.h"

#include <cmath>

#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/io/container.h"
#include "latent/model/model_file.h"
#include "latent/train/corruption.h"
#include "latent/train/dense_gradient.h"

namespace latent {

ClassifierImpl::ClassifierImpl(Autoencoder body, int64_t classes) : body_(std::move(body)), classes_(classes) {
  if (classes < 2) throw Error("a classifier needs at least 2 classes");
  head_ = torch::nn::Linear(body_->spec().latent, classes);
  register_module("body", body_);
  register_module("head", head_);
}

torch::Tensor ClassifierImpl::forward(const torch::Tensor& x) { return head_->forward(body_->encode(x)); }

nlohmann::json ClassifierSettings::to_json() const {
  return {{"freeze_encoder", freeze_encoder}, {"corrupt", corrupt.str()}};
}

ClassifierSettings ClassifierSettings::from_json(const nlohmann::json& j) {
  ClassifierSettings settings;
  settings.freeze_encoder = j.at("freeze_encoder").get<bool>();
  settings.corrupt = CorruptionSpec::parse(j.at("corrupt").get<std::string>());
  return settings;
}

namespace {

/// Cross-entropy of the classifier's logits on corrupted rows, through autograd.
class ClassifierGradient : public GradientEngine {
 public:
  ClassifierGradient(Classifier model, CorruptionSpec corrupt) : model_(std::move(model)), corrupt_(corrupt) {}
  double gradients(const torch::Tensor& x, const torch::Tensor& indices, const torch::Tensor& labels) override {
    model_->zero_grad();
    torch::Tensor logits = model_->forward(corrupt(x.index_select(0, indices), corrupt_));
    torch::Tensor loss = torch::nn::functional::cross_entropy(logits, labels.index_select(0, indices));
    const double value = loss.item<double>();
    if (std::isfinite(value)) loss.backward();
    return value;
  }

 private:
  Classifier model_;
  CorruptionSpec corrupt_;
};

void write_classifier_fields(torch::serialize::OutputArchive& archive, Classifier& model, const Normalization& norm,
                             const nlohmann::json& meta) {
  write_model_fields(archive, model->body(), norm, meta);
  archive.write("classes", c10::IValue(model->classes()));
  torch::serialize::OutputArchive head;
  model->head()->save(head);
  archive.write("head", head);
}

/// The classifier whose fields write_classifier_fields wrote, on `body` (read from the same archive).
Classifier read_classifier_fields(torch::serialize::InputArchive& archive, Autoencoder body, const std::string& path) {
  c10::IValue classes;
  if (!archive.try_read("classes", classes) || !classes.isInt())
    throw Error(path + ": classifier file has no class count");
  constexpr int64_t kMaxClasses = 1 << 20;  // the softmax layer is allocated from this count
  if (classes.toInt() < 2 || classes.toInt() > kMaxClasses)
    throw Error(path + ": damaged classifier file (class count)");
  Classifier model(std::move(body), classes.toInt());
  load_module_checked(*model->head(), archive, "head",
                      path + ": the softmax layer does not match the classifier's shape");
  return model;
}

}  // namespace

ClassifierNet::ClassifierNet(Classifier model, ClassifierSettings settings)
    : model_(std::move(model)), settings_(settings) {}

std::vector<torch::Tensor> ClassifierNet::trained_parameters() {
  std::vector<torch::Tensor> params = model_->head()->parameters();
  if (!settings_.freeze_encoder)
    for (const auto& item : model_->body()->named_parameters())
      if (item.key().rfind("encoder.", 0) == 0) params.push_back(item.value());
  return params;
}

std::unique_ptr<GradientEngine> ClassifierNet::default_engine() {
  if (!settings_.autograd && DenseGradient::supports_classifier(model_->body()->spec()))
    return std::make_unique<DenseGradient>(model_->body(), model_->head(), settings_.corrupt, settings_.freeze_encoder);
  return std::make_unique<ClassifierGradient>(model_, settings_.corrupt);
}

torch::Tensor ClassifierNet::validation_loss(const torch::Tensor& x, const torch::Tensor& labels) {
  return torch::nn::functional::cross_entropy(model_->forward(x), labels);
}

void ClassifierNet::write(torch::serialize::OutputArchive& archive, const Normalization& norm,
                          const nlohmann::json& meta) {
  write_classifier_fields(archive, model_, norm, meta);
  archive.write("classifier_settings", c10::IValue(settings_.to_json().dump()));
}

std::shared_ptr<ClassifierNet> ClassifierNet::read(torch::serialize::InputArchive& archive, Autoencoder body,
                                                   const std::string& path) {
  c10::IValue settings;
  if (!archive.try_read("classifier_settings", settings)) return nullptr;
  if (!settings.isString()) throw Error(path + ": damaged classifier settings in checkpoint");
  ClassifierSettings parsed;
  try {
    parsed = ClassifierSettings::from_json(nlohmann::json::parse(settings.toStringRef()));
  } catch (const nlohmann::json::exception&) {
    throw Error(path + ": damaged classifier settings in checkpoint");
  }
  return std::make_shared<ClassifierNet>(read_classifier_fields(archive, std::move(body), path), parsed);
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
  write_classifier_fields(archive, model, norm, meta);
  write_file_atomic(path, pack_container("classifier", archive_bytes(archive)));
}

LoadedClassifier load_classifier(const std::string& path) {
  torch::serialize::InputArchive archive;
  const std::string payload = read_container(path, "classifier");
  load_archive(archive, payload, path);
  LoadedModel body = read_model_fields(archive, payload.size(), path);
  LoadedClassifier loaded{read_classifier_fields(archive, body.model, path), body.normalization, body.meta};
  loaded.model->eval();
  return loaded;
}

}  // namespace latent
