// The facade's Detector: anomaly scores and a threshold from an autoencoder of normal data.
#include "api/facade_parts.h"
#include "latent/apps/anomaly.h"
#include "latent/base/atomic_file.h"
#include "latent/base/error.h"

namespace latent::api {

struct Detector::State {
  latent::Detector detector;
};

namespace {

torch::Tensor rows_for(const latent::Detector& detector, MatrixView x) {
  const Normalization& norm = detector.model.normalization;
  return make_dataset(raw_rows(x, norm, "the rows"), norm).x;
}

torch::Tensor csv_rows(const Normalization& norm, const std::string& path) {
  return make_dataset(csv_table(norm, path), norm).x;
}

}  // namespace

Detector::Detector(std::shared_ptr<State> state) : state_(std::move(state)) {}

Detector Detector::load(const std::string& path) {
  return guarded([&] { return Detector(std::make_shared<State>(State{load_detector(path)})); });
}

Detector Detector::fit(const Model& model, MatrixView normal, const std::string& score,
                       const std::string& threshold_rule) {
  return guarded([&] {
    ensure_threads();
    const Model::State& m = model.state();
    const torch::Tensor x =
        make_dataset(raw_rows(normal, m.loaded.normalization, "the normal rows"), m.loaded.normalization).x;
    return Detector(
        std::make_shared<State>(State{fit_detector(ModelFile{m.file, "the model"}, x, score, threshold_rule)}));
  });
}

Detector Detector::fit_csv(const Model& model, const std::string& path, const std::string& score,
                           const std::string& threshold_rule) {
  return guarded([&] {
    ensure_threads();
    const Model::State& m = model.state();
    return Detector(std::make_shared<State>(State{
        fit_detector(ModelFile{m.file, "the model"}, csv_rows(m.loaded.normalization, path), score, threshold_rule)}));
  });
}

void Detector::save(const std::string& path) const {
  guarded([&] { save_detector(path, state_->detector); });
}

std::vector<double> Detector::score(MatrixView x) const {
  return guarded([&] {
    ensure_threads();
    return anomaly_scores(state_->detector, rows_for(state_->detector, x));
  });
}

std::vector<double> Detector::score_csv(const std::string& path) const {
  return guarded([&] {
    ensure_threads();
    return anomaly_scores(state_->detector, csv_rows(state_->detector.model.normalization, path));
  });
}

double Detector::threshold() const { return state_->detector.threshold; }

std::vector<std::vector<Share>> Detector::explain(MatrixView x, int64_t top) const {
  return guarded([&] {
    ensure_threads();
    std::vector<std::vector<Share>> out;
    for (const auto& row : explain_scores(state_->detector, rows_for(state_->detector, x), top)) {
      out.emplace_back();
      for (const ScoreShare& s : row) out.back().push_back({s.column, s.share});
    }
    return out;
  });
}

}  // namespace latent::api
