#include "latent/train/neighbour_graph.h"

#include <faiss/IndexFlat.h>

#include "latent/base/error.h"

namespace latent {

torch::Tensor nearest_neighbours(const torch::Tensor& x, int64_t k) {
  const int64_t n = x.size(0);
  if (k < 1 || k >= n)
    throw SettingError("neighbours", "must be between 1 and " + std::to_string(n - 1) + " (the training rows - 1)");
  torch::Tensor rows = x.reshape({n, -1}).to(torch::kFloat32).contiguous();
  faiss::IndexFlatL2 index(rows.size(1));
  index.add(n, rows.data_ptr<float>());
  // k + 1: the row itself comes back too (first, unless it has exact duplicates).
  std::vector<float> distances(static_cast<size_t>(n * (k + 1)));
  std::vector<faiss::Index::idx_t> ids(distances.size());
  index.search(n, rows.data_ptr<float>(), k + 1, distances.data(), ids.data());
  torch::Tensor out = torch::empty({n, k}, torch::kInt64);
  auto table = out.accessor<int64_t, 2>();
  for (int64_t i = 0; i < n; ++i) {
    int64_t filled = 0;
    for (int64_t j = 0; j <= k && filled < k; ++j) {
      faiss::Index::idx_t id = ids[static_cast<size_t>(i * (k + 1) + j)];
      if (id != i) table[i][filled++] = id;
    }
  }
  return out;
}

torch::Tensor anchors_with_neighbours(const torch::Tensor& anchors, const torch::Tensor& neighbours) {
  torch::Tensor pick = torch::randint(neighbours.size(1), {anchors.size(0)}, torch::kInt64);
  torch::Tensor partners = neighbours.index_select(0, anchors).gather(1, pick.unsqueeze(1)).squeeze(1);
  return torch::cat({anchors, partners});
}

}  // namespace latent
