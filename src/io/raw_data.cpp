#include "latent/io/raw_data.h"

#include <algorithm>

#include "latent/base/shape_size.h"

namespace latent {

int64_t RawData::features() const { return shape_size(sample_shape); }

int64_t RawData::count() const {
  int64_t f = features();
  return f == 0 ? 0 : static_cast<int64_t>(values.size()) / f;
}

void RawData::truncate(int64_t n) {
  if (n <= 0 || n >= count()) return;
  values.resize(static_cast<size_t>(n * features()));
  if (!labels.empty()) labels.resize(static_cast<size_t>(n));
  if (!paths.empty()) paths.resize(static_cast<size_t>(n));
}

void RawData::number_classes_as(const std::vector<std::string>& names) {
  if (label_names.empty() || names.empty()) return;
  std::vector<std::string> all = names;
  std::vector<int64_t> number_of(label_names.size());
  for (size_t i = 0; i < label_names.size(); ++i) {
    const auto known = std::find(all.begin(), all.end(), label_names[i]);
    number_of[i] = known - all.begin();
    if (known == all.end()) all.push_back(label_names[i]);
  }
  for (int64_t& label : labels) label = number_of[static_cast<size_t>(label)];
  label_names = std::move(all);
}

}  // namespace latent
