#include "latent/data/dataset.h"

#include <random>

#include <ATen/CPUGeneratorImpl.h>

#include "latent/base/error.h"

namespace latent {

int64_t Dataset::size() const {
  if (packed) return packed->rows.size(0);
  return x.defined() ? x.size(0) : 0;
}

bool Dataset::has_names() const { return packed ? packed->file->header().has_names : !paths.empty(); }

std::string Dataset::name(int64_t i) const {
  if (!packed) return paths.at(static_cast<size_t>(i));
  return packed->file->name(packed->rows[i].item<int64_t>());
}

torch::Tensor Dataset::rows(int64_t begin, int64_t end) const {
  if (!packed) return x.slice(0, begin, end);
  return gather(torch::arange(begin, end, torch::kInt64));
}

torch::Tensor Dataset::gather(const torch::Tensor& indices) const {
  if (!packed) return x.index_select(0, indices);
  const PackFile& file = *packed->file;
  const torch::Tensor file_rows = packed->rows.index_select(0, indices.to(torch::kInt64)).contiguous();
  const int64_t n = file_rows.size(0), width = file.header().features();
  torch::Tensor out = torch::empty({n, width}, torch::kFloat32);
  std::vector<unsigned char> pixels(static_cast<size_t>(n * width));
  file.read_rows(file_rows.data_ptr<int64_t>(), n, pixels.data());
  float* into = out.data_ptr<float>();
  // The same float operations as Normalization::flip and apply on pixels read into memory, so a
  // pack trains to the same weights as the data it was made from.
  const float divisor = packed->divisor;
  if (packed->invert)
    for (size_t i = 0; i < pixels.size(); ++i) into[i] = (divisor - static_cast<float>(pixels[i])) / divisor;
  else
    for (size_t i = 0; i < pixels.size(); ++i) into[i] = static_cast<float>(pixels[i]) / divisor;
  return out;
}

torch::Tensor Dataset::inputs() const { return packed ? rows(0, size()) : x; }

Dataset Dataset::select(const torch::Tensor& indices) const {
  Dataset out;
  if (packed) {
    auto rows = std::make_shared<PackedRows>(*packed);
    rows->rows = packed->rows.index_select(0, indices);
    out.packed = std::move(rows);
  } else {
    out.x = x.index_select(0, indices);
  }
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

Dataset map_pack(std::shared_ptr<const PackFile> file, torch::Tensor rows, const Normalization& norm, bool invert) {
  if (rows.size(0) == 0) throw Error("the data has no samples");
  if (!file->header().is_image || norm.kind != "scale")
    throw Error(file->path() + ": only a pack of images is read on demand; a table's is read whole");
  Dataset data;
  data.sample_shape = file->header().sample_shape;
  if (file->header().has_labels) {
    const std::vector<int64_t> labels = file->labels();
    data.y = torch::tensor(labels, torch::kInt64).index_select(0, rows);
  }
  auto packed = std::make_shared<PackedRows>();
  packed->file = std::move(file);
  packed->rows = std::move(rows);
  packed->divisor = norm.divisor;
  packed->invert = invert;
  data.packed = std::move(packed);
  return data;
}

Dataset binarized(const Dataset& data, uint64_t seed) {
  Dataset drawn = data;
  drawn.x = torch::bernoulli(data.inputs(), at::make_generator<at::CPUGeneratorImpl>(seed));
  drawn.packed = nullptr;
  return drawn;
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
