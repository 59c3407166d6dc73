#include "latent/io/normalization.h"

#include <cmath>

#include "base/json_number.h"
#include "latent/base/error.h"

namespace latent {

Normalization Normalization::fit(const RawData& raw, const TableOptions& options) {
  Normalization norm;
  if (raw.is_image) return norm;
  if (!raw.table.empty()) {
    norm.kind = "table";
    norm.table = TableSchema::fit(raw, options);
    return norm;
  }
  norm.kind = "standardize";
  int64_t features = raw.features(), count = raw.count();
  std::vector<double> sum(features, 0.0), sum_sq(features, 0.0);
  for (int64_t i = 0; i < count; ++i)
    for (int64_t f = 0; f < features; ++f) {
      double v = raw.values[i * features + f];
      sum[f] += v;
      sum_sq[f] += v * v;
    }
  for (int64_t f = 0; f < features; ++f) {
    double mean = sum[f] / count;
    double var = std::max(0.0, sum_sq[f] / count - mean * mean);
    double sd = std::sqrt(var);
    norm.mean.push_back(static_cast<float>(mean));
    norm.stddev.push_back(sd > 1e-12 ? static_cast<float>(sd) : 1.0f);
  }
  return norm;
}

void Normalization::apply(RawData& raw) const {
  std::vector<float>& values = raw.values;
  if (kind == "scale") {
    for (float& v : values) v /= divisor;
    return;
  }
  if (table) {
    values = table->encode(raw);
    raw.sample_shape = {table->width()};
    return;
  }
  for (size_t f = 0; f < raw.table.names.size(); ++f)
    if (raw.table.is_words[f])
      throw Error("column '" + raw.table.names[f] + "' holds words; this model reads numbers only");
  const int64_t features = raw.features();
  if (static_cast<int64_t>(mean.size()) != features)
    throw Error("the data has " + std::to_string(features) + " features, the model was trained on " +
                std::to_string(mean.size()));
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i]))
      throw Error("the data has a missing value (row " + std::to_string(i / features + 1) +
                  "); this model was trained before missing values were read: retrain it");
    values[i] = (values[i] - mean[i % features]) / stddev[i % features];
  }
}

void Normalization::invert(std::vector<float>& values, int64_t features) const {
  if (kind == "scale") {
    for (float& v : values) v *= divisor;
    return;
  }
  if (table) {
    int64_t f = 0;
    for (const TableColumn& column : table->columns) {
      if (!column.is_words)
        for (size_t i = static_cast<size_t>(f); i < values.size(); i += static_cast<size_t>(features))
          values[i] = values[i] * column.scale + column.center;
      f += column.width();
    }
    return;
  }
  for (size_t i = 0; i < values.size(); ++i) values[i] = values[i] * stddev[i % features] + mean[i % features];
}

void Normalization::flip(std::vector<float>& values) const {
  if (kind != "scale") throw Error("invert applies to images only; this model was trained on a table");
  for (float& v : values) v = divisor - v;
}

nlohmann::json Normalization::to_json() const {
  if (kind == "scale") return {{"kind", kind}, {"divisor", divisor}};
  if (table) return {{"kind", kind}, {"table", table->to_json()}};
  return {{"kind", kind}, {"mean", mean}, {"stddev", stddev}};
}

Normalization Normalization::from_json(const nlohmann::json& j) {
  Normalization norm;
  norm.kind = j.at("kind").get<std::string>();
  if (norm.kind == "scale") {
    norm.divisor = json_float(j.at("divisor"));
    if (!(norm.divisor > 0)) throw Error("normalization divisor must be positive");
  } else if (norm.kind == "standardize") {
    norm.mean = json_floats(j.at("mean"));
    norm.stddev = json_floats(j.at("stddev"));
    if (norm.mean.size() != norm.stddev.size()) throw Error("normalization mean and stddev differ in length");
  } else if (norm.kind == "table") {
    norm.table = TableSchema::from_json(j.at("table"));
  } else {
    throw Error("unknown normalization kind '" + norm.kind + "'");
  }
  return norm;
}

}  // namespace latent
