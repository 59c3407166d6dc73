#include "latent/data/dataset.h"

#include <random>

#include "latent/base/error.h"

namespace latent {

Dataset Dataset::select(const torch::Tensor& indices) const {
  Dataset out;
  out.x = x.index_select(0, indices);
  if (y.defined()) out.y = y.index_select(0, indices);
  out.sample_shape = sample_shape;
  if (!paths.empty()) {
    auto idx = indices.accessor<int64_t, 1>();
    for (int64_t i = 0; i < idx.size(0); ++i) out.paths.push_back(paths[idx[i]]);
  }
  return out;
}

Dataset make_dataset(RawData raw, const Normalization& norm) {
  if (raw.count() == 0) throw Error("the data has no samples");
  norm.apply(raw);
  const int64_t features = raw.features();
  Dataset data;
  data.sample_shape = raw.sample_shape;
  // The tensor takes the values over (no copy: a long table's data is held once).
  const int64_t count = raw.count();
  auto* values = new std::vector<float>(std::move(raw.values));
  data.x = torch::from_blob(
      values->data(), {count, features}, [values](void*) { delete values; }, torch::kFloat32);
  if (!raw.labels.empty()) data.y = torch::tensor(raw.labels, torch::kInt64);
  data.paths = std::move(raw.paths);
  return data;
}

std::pair<Dataset, Dataset> split_validation(const Dataset& data, double fraction) {
  if (fraction < 0 || fraction >= 1) throw SettingError("val", "must be in [0, 1)");
  int64_t n = data.size();
  int64_t n_val = static_cast<int64_t>(n * fraction);
  if (n_val == 0) return {data, Dataset{}};
  if (n - n_val < 1) throw SettingError("val", "leaves no training samples");
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 rng(20061);  // fixed: the held-out set must not move with --seed
  for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
  torch::Tensor perm = torch::tensor(order, torch::kInt64);
  return {data.select(perm.slice(0, n_val)), data.select(perm.slice(0, 0, n_val))};
}

}  // namespace latent
