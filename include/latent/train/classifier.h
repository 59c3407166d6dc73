#pragma once
// A classifier from an encoder: the encoder of an Autoencoder (pretrained or random) with a
// softmax layer on its code, trained on labels as one network by the Trainer (a ClassifierNet).
// Shapes: x [N, D] normalised inputs; logits [N, classes]; labels int64 [N] in [0, classes).
#include <functional>
#include <string>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "latent/data/dataset.h"
#include "latent/io/normalization.h"
#include "latent/io/regularizer_spec.h"
#include "latent/model/autoencoder.h"
#include "latent/train/trained_net.h"

namespace latent {

class ClassifierImpl : public torch::nn::Module {
 public:
  ClassifierImpl(Autoencoder body, int64_t classes);
  torch::Tensor forward(const torch::Tensor& x);  ///< logits
  Autoencoder& body() { return body_; }           ///< its encoder is the classifier's trunk
  torch::nn::Linear& head() { return head_; }
  int64_t classes() const { return classes_; }

 private:
  Autoencoder body_;
  torch::nn::Linear head_{nullptr};
  int64_t classes_;
};
TORCH_MODULE(Classifier);

/// How a classifier trains, besides the Trainer's options.
struct ClassifierSettings {
  bool freeze_encoder = false;  ///< train only the softmax layer
  CorruptionSpec corrupt;       ///< training inputs corrupted afresh every batch (a regulariser)
  bool autograd = false;        ///< --engine autograd: LibTorch autograd even where the dense passes run (not saved)
  nlohmann::json to_json() const;
  static ClassifierSettings from_json(const nlohmann::json& j);
};

/// A classifier as the Trainer trains it: cross-entropy of the logits of (corrupted) inputs,
/// through the dense passes when the encoder allows (DenseGradient), else autograd; validated on
/// clean inputs. The optimizer steps the softmax layer and, unless
/// frozen, the encoder; the decoder is carried along untouched.
class ClassifierNet : public TrainedNet {
 public:
  ClassifierNet(Classifier model, ClassifierSettings settings);
  Classifier& classifier() { return model_; }
  const ClassifierSettings& settings() const { return settings_; }

  torch::nn::Module& module() override { return *model_; }
  Autoencoder& autoencoder() override { return model_->body(); }
  std::vector<torch::Tensor> trained_parameters() override;
  std::unique_ptr<GradientEngine> default_engine() override;
  torch::Tensor validation_loss(const torch::Tensor& x, const torch::Tensor& labels) override;
  bool needs_labels() const override { return true; }
  int64_t pull_neighbours() const override { return 0; }
  void start_epoch(int epoch) override { (void)epoch; }
  int first_selectable_epoch(int epochs) const override {
    (void)epochs;
    return 1;
  }
  /// The classifier file's fields (save_classifier) and the settings.
  void write(torch::serialize::OutputArchive& archive, const Normalization& norm, const nlohmann::json& meta) override;
  /// The net a checkpoint's archive holds, when write() wrote it (else null).
  static std::shared_ptr<ClassifierNet> read(torch::serialize::InputArchive& archive, Autoencoder body,
                                             const std::string& path);

 private:
  Classifier model_;
  ClassifierSettings settings_;
};

/// n, accuracy, error_rate, confusion (rows: true class, columns: predicted).
nlohmann::json evaluate_classifier(Classifier& model, const Dataset& data);

/// Predicted class of every row of x, in batches.
torch::Tensor predict_classes(Classifier& model, const torch::Tensor& x);

/// A class-balanced subset of `count` labelled samples (count / classes of each class, the
/// remainder going to the lowest classes), drawn with `seed`. Throws if a class runs short.
Dataset balanced_subset(const Dataset& data, int64_t count, int64_t classes, uint64_t seed);

/// Classifier files: container kind "classifier" holding the body's model fields (spec,
/// normalization, meta, weights), the class count and the softmax layer.
void save_classifier(const std::string& path, Classifier& model, const Normalization& norm, const nlohmann::json& meta);
struct LoadedClassifier {
  Classifier model{nullptr};
  Normalization normalization;
  nlohmann::json meta;
};
LoadedClassifier load_classifier(const std::string& path);

}  // namespace latent
