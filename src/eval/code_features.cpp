#include "latent/eval/code_features.h"

#include <faiss/IndexFlat.h>

#include <map>

#include "latent/base/error.h"

namespace latent {

torch::Tensor Pca::transform(const torch::Tensor& x) const { return (x - mean).matmul(components); }

Pca fit_pca(const torch::Tensor& x, int64_t k) {
  if (k < 1 || k > x.size(1))
    throw Error("PCA: " + std::to_string(k) + " components asked of " + std::to_string(x.size(1)) +
                "-dimensional data");
  if (x.size(0) < 2) throw Error("PCA needs at least 2 samples");
  torch::Tensor xd = x.to(torch::kFloat64);
  torch::Tensor mean = xd.mean(0);
  torch::Tensor centered = xd - mean;
  const int64_t n = x.size(0), d = x.size(1);
  const double scale = 1.0 / static_cast<double>(n - 1);
  if (n <= d && k < n) {
    // Fewer samples than dimensions (photos): the eigenvectors of the N × N Gram matrix give the
    // same components, v = Xᵀu / ‖Xᵀu‖, at a fraction of a D × D eigendecomposition's cost.
    auto [values, vectors] = torch::linalg::eigh(centered.matmul(centered.t()) * scale, "L");  // ascending
    torch::Tensor top = torch::arange(n - 1, n - 1 - k, -1, torch::kInt64);
    torch::Tensor components = centered.t().matmul(vectors.index_select(1, top));
    components = components / components.norm(2, 0, true).clamp_min(1e-12);
    return {mean.to(torch::kFloat32), components.to(torch::kFloat32).contiguous(),
            values.index_select(0, top).to(torch::kFloat32)};
  }
  auto [values, vectors] = torch::linalg::eigh(centered.t().matmul(centered) * scale, "L");  // D × D covariance
  torch::Tensor top = torch::arange(d - 1, d - 1 - k, -1, torch::kInt64);
  return {mean.to(torch::kFloat32), vectors.index_select(1, top).to(torch::kFloat32).contiguous(),
          values.index_select(0, top).to(torch::kFloat32)};
}

std::pair<torch::Tensor, torch::Tensor> fill_missing_cells(const torch::Tensor& reference, const torch::Tensor& query) {
  if (!reference.isnan().any().item<bool>() && !query.isnan().any().item<bool>()) return {reference, query};
  const torch::Tensor means = torch::nan_to_num(torch::nanmean(reference, 0), 0.0);
  auto fill = [&](const torch::Tensor& x) { return torch::where(x.isnan(), means.expand_as(x), x); };
  return {fill(reference), fill(query)};
}

torch::Tensor Pca::reconstruct(const torch::Tensor& x) const { return transform(x).matmul(components.t()) + mean; }

double knn_accuracy(const torch::Tensor& reference, const torch::Tensor& reference_labels, const torch::Tensor& query,
                    const torch::Tensor& query_labels, int k) {
  if (k < 1) throw SettingError("k", "must be at least 1");
  if (reference.size(0) < k) throw Error("kNN: fewer reference samples than k");
  if (reference.size(1) != query.size(1)) throw Error("kNN: reference and query dimensions differ");
  torch::Tensor ref = reference.to(torch::kFloat32).contiguous(), qry = query.to(torch::kFloat32).contiguous();
  faiss::IndexFlatL2 index(ref.size(1));
  index.add(ref.size(0), ref.data_ptr<float>());
  const int64_t n = qry.size(0);
  std::vector<float> distances(static_cast<size_t>(n * k));
  std::vector<faiss::Index::idx_t> ids(static_cast<size_t>(n * k));
  index.search(n, qry.data_ptr<float>(), k, distances.data(), ids.data());
  torch::Tensor ref_labels = reference_labels.to(torch::kInt64).contiguous();
  torch::Tensor qry_labels = query_labels.to(torch::kInt64).contiguous();
  const int64_t* rl = ref_labels.data_ptr<int64_t>();
  const int64_t* ql = qry_labels.data_ptr<int64_t>();
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::map<int64_t, int> votes;
    int64_t best = -1;
    int best_votes = 0;
    // Neighbours come nearest first, so on a tie the class reached first keeps the lead.
    for (int j = 0; j < k; ++j) {
      int64_t label = rl[ids[static_cast<size_t>(i * k + j)]];
      if (++votes[label] > best_votes) {
        best_votes = votes[label];
        best = label;
      }
    }
    correct += best == ql[i];
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

}  // namespace latent
