#pragma once
// One-class detection: an autoencoder trained on normal data only, a score per item (high =
// unlike the training data) and a threshold fitted on the normal data's own scores.
//
// The detector file is a latent container of kind "detector" whose payload is one line of
// JSON (format, score, threshold rule and value, calibration) then the model file it was
// fitted with, byte for byte: a detector is self-contained and cannot meet the wrong model.
#include <string>
#include <vector>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "latent/model/model_file.h"

namespace latent {

constexpr int kDetectorFormat = 1;

struct Detector {
  std::string score = "sse";                     ///< sse | bce | smooth-sse | code | sse+code | elbo (score_names())
  std::string threshold_rule = "quantile:0.95";  ///< quantile:Q | fpr:R | contamination:C | sigma:K
  std::string calibration_rows;                  ///< which normal rows the threshold was set on
  double threshold = 0;                          ///< items scoring above it are anomalies
  int64_t normal_class = -1;                     ///< the class it was fitted on, -1 when not known
  int64_t fitted_on = 0;                         ///< number of normal items
  nlohmann::json calibration;                    ///< code mean and precision, log-score mean/std
  std::string model_file;                        ///< the model file's bytes
  LoadedModel model;
};

/// "sse: squared reconstruction error; ...", for help texts.
std::string score_names();

/// A model file's bytes and where they came from (for errors): what a detector embeds.
struct ModelFile {
  std::string bytes, name;
  static ModelFile read(const std::string& path);
};

/// Fits what the score needs (the code-space Gaussian for code scores; "auto" is smooth-sse for a
/// model of images, else sse) on the normal data x [N, D]
/// (normalised), then the threshold from rule on the scores of threshold_x, normal rows the model
/// did not train on (x itself when undefined).
Detector fit_detector(const ModelFile& model, const torch::Tensor& x, const std::string& score,
                      const std::string& threshold_rule, const torch::Tensor& threshold_x = {});
/// One score per row of x [N, D].
std::vector<double> anomaly_scores(Detector& detector, const torch::Tensor& x);

/// A column's part of a row's score.
struct ScoreShare {
  std::string column;
  double share = 0;  ///< of the row's score, in [0, 1]
};
/// Per row of x, the `top` columns that make most of its score, largest first: a table model's
/// columns (numbers' squared errors, categories' cross-entropies) under the sse score. Throws for
/// other models and scores.
std::vector<std::vector<ScoreShare>> explain_scores(Detector& detector, const torch::Tensor& x, int64_t top);
/// The threshold a rule gives on the normal items' scores.
double threshold_from_rule(const std::string& rule, const std::vector<double>& normal_scores);

void save_detector(const std::string& path, const Detector& detector);
Detector load_detector(const std::string& path);

}  // namespace latent
