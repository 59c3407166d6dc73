#include "latent/apps/anomaly.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <limits>

#include "base/json_number.h"
#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/eval/variational_eval.h"
#include "latent/io/container.h"
#include "latent/metrics/roc.h"
#include "latent/model/evaluate.h"
#include "latent/model/table_loss.h"

namespace latent {
namespace {

constexpr int64_t kBatch = 2048;
constexpr int64_t kElboDraws = 8;  // z draws per item for the elbo score, from a fixed seed

// Scores run in double (see float_precision).
LoadedModel scoring_model(const std::string& file_bytes, const std::string& name) {
  LoadedModel loaded = model_from_file_bytes(file_bytes, name);
  loaded.model->to(torch::kDouble);
  return loaded;
}

struct RawScores {
  torch::Tensor sse, other, codes;  ///< [N], [N] (bce or smooth-sse, when asked), [N, latent]
};

/// The residual averaged over 3×3 neighbourhoods: a stroke drawn a pixel off leaves a thin
/// +/- pair that mostly cancels, a missing or extra stroke does not.
torch::Tensor smooth_sse(const torch::Tensor& residual, const std::vector<int64_t>& shape) {
  torch::Tensor smooth = torch::avg_pool2d(residual.view({-1, shape[0], shape[1], shape[2]}), 3, 1, 1);
  return smooth.pow(2).flatten(1).sum(1);
}

/// Per row, each column's part of the sse score: [N, columns] (a table's columns, else each value's).
torch::Tensor column_errors(Autoencoder& model, const torch::Tensor& batch, const torch::Tensor& logits) {
  if (model->spec().output == Output::table) return table_errors(model->spec(), logits, batch);
  const bool unit_range = model->spec().output == Output::sigmoid;
  return ((unit_range ? torch::sigmoid(logits) : logits) - batch).pow(2);
}

RawScores raw_scores(Autoencoder& model, const torch::Tensor& x, const std::string& score) {
  torch::NoGradGuard no_grad;
  const bool unit_range = model->spec().output == Output::sigmoid;
  std::vector<torch::Tensor> sse, other, codes;
  at::Generator elbo_draws = at::make_generator<at::CPUGeneratorImpl>(0);
  for (int64_t start = 0; start < x.size(0); start += kBatch) {
    torch::Tensor batch = x.slice(0, start, std::min(start + kBatch, x.size(0))).to(torch::kDouble);
    torch::Tensor code = model->encode(batch);
    torch::Tensor logits = model->decode_logits(code);
    sse.push_back(column_errors(model, batch, logits).sum(1));
    if (score == "bce")
      other.push_back(torch::binary_cross_entropy_with_logits(logits, batch, {}, {}, at::Reduction::None).sum(1));
    if (score == "smooth-sse")
      other.push_back(smooth_sse((unit_range ? torch::sigmoid(logits) : logits) - batch, model->spec().input_shape));
    if (score == "elbo") other.push_back(negative_elbo(model, batch, kElboDraws, elbo_draws));
    codes.push_back(code);
  }
  RawScores r{torch::cat(sse).to(torch::kDouble), {}, torch::cat(codes).to(torch::kDouble)};
  if (!other.empty()) r.other = torch::cat(other).to(torch::kDouble);
  return r;
}

/// Squared Mahalanobis distance of each code to the normal codes' Gaussian.
torch::Tensor code_distance(const torch::Tensor& codes, const nlohmann::json& calibration) {
  const int64_t k = codes.size(1);
  std::vector<double> mean = calibration.at("code_mean"), precision = calibration.at("code_precision");
  if (static_cast<int64_t>(mean.size()) != k || static_cast<int64_t>(precision.size()) != k * k)
    throw Error("detector calibration does not match the model's code size");
  torch::Tensor centred = codes - torch::tensor(mean, torch::kDouble);
  torch::Tensor p = torch::tensor(precision, torch::kDouble).view({k, k});
  return (centred.matmul(p) * centred).sum(1);
}

std::vector<double> to_vector(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

/// Scores rounded to float. They are computed in double, where how many rows share a batch (one
/// row from the server, 2,048 from a file) moves only bits far below float's last one: rounded, a
/// row scores the same to the bit from the command line, the server and the library.
std::vector<double> float_precision(const torch::Tensor& scores) {
  return to_vector(scores.to(torch::kFloat).to(torch::kDouble));
}

/// log(s) standardised by the normal data's mean and std of log(s): puts terms on one scale.
torch::Tensor log_z(const torch::Tensor& s, const nlohmann::json& stats) {
  return (torch::log(s + 1e-12) - stats.at(0).get<double>()) / stats.at(1).get<double>();
}
nlohmann::json log_stats(const torch::Tensor& s) {
  torch::Tensor l = torch::log(s + 1e-12);
  return {l.mean().item<double>(), std::max(l.std().item<double>(), 1e-12)};
}

double parse_number(const std::string& text, const std::string& rule) {
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  throw SettingError("threshold", rule + ": expected quantile:0.95, fpr:0.01, contamination:0.1 or sigma:3");
}

/// The score is one latent knows and fits the model (what fit_detector checks, and load_detector).
void check_score(const std::string& score, const ModelSpec& spec) {
  if (score != "sse" && score != "bce" && score != "smooth-sse" && score != "code" && score != "sse+code" &&
      score != "elbo")
    throw SettingError("score", score + ": expected " + score_names());
  if (score == "bce" && spec.output != Output::sigmoid)
    throw SettingError("score", "bce needs a model of [0,1] data (sigmoid output); use sse");
  if (score == "smooth-sse" && spec.input_shape.size() != 3)
    throw SettingError("score", "smooth-sse needs image data; use sse");
  if (score == "elbo" && spec.code_head != CodeHead::gaussian)
    throw SettingError("score", "elbo needs a variational model (trained with --type vae); use sse");
}

/// What anomaly_scores reads of a loaded detector's calibration is there, of the code's size.
bool calibration_fits(const nlohmann::json& calibration, const std::string& score, int64_t code_size) {
  auto numbers = [&](const char* key, size_t count) {
    if (!calibration.contains(key) || !calibration[key].is_array() || calibration[key].size() != count) return false;
    for (const auto& v : calibration[key])
      if (!v.is_number() || !std::isfinite(v.get<double>())) return false;
    return true;
  };
  if (score != "code" && score != "sse+code") return true;
  const auto k = static_cast<size_t>(code_size);
  if (!calibration.is_object() || !numbers("code_mean", k) || !numbers("code_precision", k * k)) return false;
  return score == "code" ||
         (numbers("sse_log", 2) && numbers("code_log", 2) && calibration["sse_log"][1].get<double>() > 0 &&
          calibration["code_log"][1].get<double>() > 0);
}

}  // namespace

std::string score_names() {
  return "auto (the default: smooth-sse for images, sse otherwise) | sse (squared reconstruction error; of a table: "
         "each number's squared error plus each category's "
         "cross-entropy, missing cells left out) | bce (cross-entropy of the reconstruction, [0,1] data) | "
         "smooth-sse (squared error of the residual averaged over 3x3 pixels, images) | "
         "code (Mahalanobis distance of the code to the normal codes) | sse+code (both, each as a "
         "standardised log) | elbo (negative ELBO in nats, mean of 8 draws of z from a fixed seed; VAE "
         "models, --type vae)";
}

double threshold_from_rule(const std::string& rule, const std::vector<double>& normal_scores) {
  size_t colon = rule.find(':');
  std::string kind = rule.substr(0, colon);
  double v = parse_number(colon == std::string::npos ? "" : rule.substr(colon + 1), rule);
  if (kind == "quantile" || kind == "contamination" || kind == "fpr") {
    double q = kind == "quantile" ? v : 1 - v;
    if (!(q > 0 && q <= 1)) throw SettingError("threshold", rule + ": the fraction must be in (0, 1)");
    return quantile(normal_scores, q);
  }
  if (kind == "sigma") {
    double mean = 0, var = 0;
    for (double s : normal_scores) mean += s / normal_scores.size();
    for (double s : normal_scores) var += (s - mean) * (s - mean) / normal_scores.size();
    return mean + v * std::sqrt(var);
  }
  throw SettingError("threshold", rule + ": expected quantile:0.95, fpr:0.01, contamination:0.1 or sigma:3");
}

ModelFile ModelFile::read(const std::string& path) { return {read_container_file(path), path}; }

Detector fit_detector(const ModelFile& model, const torch::Tensor& x, const std::string& asked_score,
                      const std::string& threshold_rule, const torch::Tensor& threshold_x) {
  Detector d;
  if (x.size(0) < 2) throw Error("a detector needs at least 2 normal items to fit");
  d.model_file = model.bytes;
  d.model = scoring_model(d.model_file, model.name);
  // smooth-sse measured best over the image classes (bench/oneclass.sh); a table's explanations need sse.
  const bool images = d.model.model->spec().input_shape.size() == 3;
  const std::string score = asked_score != "auto" ? asked_score : images ? "smooth-sse" : "sse";
  check_score(score, d.model.model->spec());
  d.score = score;
  d.threshold_rule = threshold_rule;
  d.fitted_on = x.size(0);
  if (score == "code" || score == "sse+code") {
    RawScores r = raw_scores(d.model.model, x, score);
    torch::Tensor mean = r.codes.mean(0);
    torch::Tensor centred = r.codes - mean;
    const int64_t k = r.codes.size(1);
    // A small ridge keeps the inverse finite when a code dimension is (nearly) constant.
    torch::Tensor cov = centred.t().matmul(centred) / (x.size(0) - 1);
    cov += torch::eye(k, torch::kDouble) * (1e-6 + 1e-6 * cov.diagonal().mean().item<double>());
    d.calibration["code_mean"] = to_vector(mean);
    d.calibration["code_precision"] = to_vector(torch::inverse(cov).contiguous().view({-1}));
    d.calibration["sse_log"] = log_stats(r.sse);
    d.calibration["code_log"] = log_stats(code_distance(r.codes, d.calibration));
  }
  d.threshold = threshold_from_rule(threshold_rule, anomaly_scores(d, threshold_x.defined() ? threshold_x : x));
  return d;
}

std::vector<double> anomaly_scores(Detector& detector, const torch::Tensor& x) {
  if (x.size(1) != detector.model.model->spec().input_size())
    throw Error("data has " + std::to_string(x.size(1)) + " values per item, the detector's model expects " +
                std::to_string(detector.model.model->spec().input_size()));
  RawScores r = raw_scores(detector.model.model, x, detector.score);
  if (detector.score == "sse") return float_precision(r.sse);
  if (detector.score == "bce" || detector.score == "smooth-sse" || detector.score == "elbo")
    return float_precision(r.other);
  torch::Tensor distance = code_distance(r.codes, detector.calibration);
  if (detector.score == "code") return float_precision(distance);
  return float_precision(log_z(r.sse, detector.calibration.at("sse_log")) +
                         log_z(distance, detector.calibration.at("code_log")));
}

std::vector<std::vector<ScoreShare>> explain_scores(Detector& detector, const torch::Tensor& x, int64_t top) {
  const ModelSpec& spec = detector.model.model->spec();
  const std::optional<TableSchema>& table = detector.model.normalization.table;
  if (!table || detector.score != "sse")
    throw Error("explanations name a table's columns: they need a model of a table and the sse score");
  std::vector<std::vector<ScoreShare>> out;
  torch::NoGradGuard no_grad;
  for (int64_t start = 0; start < x.size(0); start += kBatch) {
    torch::Tensor batch = x.slice(0, start, std::min(start + kBatch, x.size(0))).to(torch::kDouble);
    Autoencoder& model = detector.model.model;
    torch::Tensor errors = table_errors(spec, model->decode_logits(model->encode(batch)), batch).to(torch::kDouble);
    torch::Tensor totals = errors.sum(1, /*keepdim=*/true).clamp_min(1e-300);
    auto [shares, columns] = (errors / totals).topk(std::min<int64_t>(top, errors.size(1)), 1);
    auto share = shares.accessor<double, 2>();
    auto column = columns.accessor<int64_t, 2>();
    for (int64_t i = 0; i < share.size(0); ++i) {
      std::vector<ScoreShare>& row = out.emplace_back();
      for (int64_t k = 0; k < share.size(1); ++k) row.push_back({table->columns[column[i][k]].name, share[i][k]});
    }
  }
  return out;
}

void save_detector(const std::string& path, const Detector& d) {
  nlohmann::json header = {{"format", kDetectorFormat},
                           {"score", d.score},
                           {"threshold_rule", d.threshold_rule},
                           {"threshold", d.threshold},
                           {"calibration_rows", d.calibration_rows},
                           {"normal_class", d.normal_class},
                           {"fitted_on", d.fitted_on},
                           {"calibration", d.calibration},
                           {"model", d.model.fingerprint}};
  write_file_atomic(path, pack_container("detector", header.dump() + "\n" + d.model_file));
}

Detector load_detector(const std::string& path) {
  std::string payload = read_container(path, "detector");
  size_t newline = payload.find('\n');
  if (newline == std::string::npos) throw Error(path + ": damaged detector file (no header)");
  Detector d;
  try {
    nlohmann::json header = nlohmann::json::parse(payload.substr(0, newline));
    if (json_int(header.at("format")) != kDetectorFormat)
      throw Error(path + ": detector format " + header.at("format").dump() + "; this latent reads format " +
                  std::to_string(kDetectorFormat));
    d.score = header.at("score");
    d.threshold_rule = header.at("threshold_rule");
    d.threshold = header.at("threshold");
    d.normal_class = json_int(header.at("normal_class"));
    d.fitted_on = json_int(header.at("fitted_on"), 0, std::numeric_limits<int64_t>::max());
    d.calibration = header.at("calibration");
    d.calibration_rows = header.value("calibration_rows", "");
  } catch (const nlohmann::json::exception&) {
    throw Error(path + ": damaged detector file (header)");
  }
  d.model_file = payload.substr(newline + 1);
  d.model = scoring_model(d.model_file, path + " (embedded model)");
  try {
    check_score(d.score, d.model.model->spec());
  } catch (const SettingError& e) {
    throw Error(path + ": damaged detector file (score " + e.problem + ")");
  }
  if (!calibration_fits(d.calibration, d.score, d.model.model->spec().latent))
    throw Error(path + ": damaged detector file (the calibration does not fit its score and model)");
  return d;
}

}  // namespace latent
