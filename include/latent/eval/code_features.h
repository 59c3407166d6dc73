#pragma once
// Codes as features: principal components (the linear baseline with the same number of
// dimensions) and k-nearest-neighbour classification (FAISS exact L2 search).
// Shapes: x [N, D] float rows; labels int64 [N].
#include <torch/torch.h>

namespace latent {

/// Principal component analysis fitted on rows of x.
struct Pca {
  torch::Tensor mean;        ///< [D]
  torch::Tensor components;  ///< [D, k], columns by decreasing variance
  torch::Tensor variance;    ///< [k] variance along each component
  /// [N, D] → [N, k] coordinates.
  torch::Tensor transform(const torch::Tensor& x) const;
  /// [N, D] → [N, D]: projected on the components and back.
  torch::Tensor reconstruct(const torch::Tensor& x) const;
};
Pca fit_pca(const torch::Tensor& x, int64_t k);

/// Missing table cells (NaN) of `reference` and `query` filled with the column means of
/// `reference`'s observed cells (0 for a column with none): the linear baselines' usual stand-in,
/// where the model itself skips missing cells. Tensors without NaN come back unchanged.
std::pair<torch::Tensor, torch::Tensor> fill_missing_cells(const torch::Tensor& reference, const torch::Tensor& query);

/// Fraction of `query` rows whose k nearest `reference` rows (squared L2, exact) vote for the
/// query's label; on a tied vote, the class that reached that count first (with nearer neighbours) wins.
double knn_accuracy(const torch::Tensor& reference, const torch::Tensor& reference_labels, const torch::Tensor& query,
                    const torch::Tensor& query_labels, int k);

}  // namespace latent
