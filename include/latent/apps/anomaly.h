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
  std::string threshold_rule = "quantile:0.95";  ///< quantile:Q | contamination:C | sigma:K
  double threshold = 0;                          ///< items scoring above it are anomalies
  int64_t normal_class = -1;                     ///< the class it was fitted on, -1 when not known
  int64_t fitted_on = 0;                         ///< number of normal items
  nlohmann::json calibration;                    ///< code mean and precision, log-score mean/std
  std::string model_file;                        ///< the model file's bytes
  LoadedModel model;
};

/// "sse: squared reconstruction error; ...", for help texts.
std::string score_names();

/// Scores the normal data x [N, D] (normalised), fits what the score needs (the code-space
/// Gaussian for code scores) and the threshold from rule.
Detector fit_detector(const std::string& model_path, const torch::Tensor& x, const std::string& score,
                      const std::string& threshold_rule);
/// One score per row of x [N, D].
std::vector<double> anomaly_scores(Detector& detector, const torch::Tensor& x);
/// The threshold a rule gives on the normal items' scores.
double threshold_from_rule(const std::string& rule, const std::vector<double>& normal_scores);

void save_detector(const std::string& path, const Detector& detector);
Detector load_detector(const std::string& path);

}  // namespace latent
