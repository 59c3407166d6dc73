#pragma once
// A classifier from an encoder: the encoder of an Autoencoder (pretrained or random) with a
// softmax layer on its code, trained on labels as one network.
// Shapes: x [N, D] normalised inputs; logits [N, classes]; labels int64 [N] in [0, classes).
#include <functional>
#include <string>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "latent/data/dataset.h"
#include "latent/io/normalization.h"
#include "latent/io/regularizer_spec.h"
#include "latent/model/autoencoder.h"

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

struct ClassifierTrainOptions {
  int epochs = 30;
  int64_t batch = 128;
  double lr = 1e-3;  ///< Adam, cosine schedule to 0
  double weight_decay = 0.0;
  bool freeze_encoder = false;  ///< train only the softmax layer
  CorruptionSpec corrupt;       ///< training inputs corrupted afresh every batch (a regulariser)
  uint64_t seed = 0;
  void validate() const;
  nlohmann::json to_json() const;
};

/// After every epoch: 1-based epoch, mean training cross-entropy, training accuracy.
using ClassifierEpochCallback = std::function<void(int epoch, double loss, double accuracy)>;

/// Trains with Adam (cosine learning rate) on mini-batches of `train` (labelled); epoch e shuffles
/// with seed·1000003 + e.
void train_classifier(Classifier& model, const Dataset& train, const ClassifierTrainOptions& options,
                      const ClassifierEpochCallback& on_epoch);

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
