#pragma once
// The k nearest neighbours of every training row, for the binary head's neighbour pull (see
// code_head.h): images that are close in pixel space should get the same bits. Exact search
// (FAISS IndexFlatL2), the row itself left out.
#include <torch/torch.h>

namespace latent {

/// For each row of x [N, D] (float32), the ids of its k nearest other rows by L2, nearest
/// first: [N, k] int64. Needs 1 <= k < N.
torch::Tensor nearest_neighbours(const torch::Tensor& x, int64_t k);

/// A training batch of 2·A rows for the neighbour pull: the anchor rows, then one neighbour of
/// each drawn uniformly from its k (torch's default generator).  [2A] int64
torch::Tensor anchors_with_neighbours(const torch::Tensor& anchors, const torch::Tensor& neighbours);

}  // namespace latent
