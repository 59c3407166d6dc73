#pragma once
// How raw values map to what the model sees; saved in the model so that evaluation and
// serving normalise exactly as training did.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "latent/io/raw_data.h"
#include "latent/io/table_schema.h"

namespace latent {

struct Normalization {
  /// "scale": x / divisor (images → [0,1]); "standardize": per feature (models of matrices of
  /// numbers, and tables before their columns were kept); "table": the table's schema
  std::string kind = "scale";
  float divisor = 255.0f;            ///< scale only
  std::vector<float> mean;           ///< standardize only: one per feature
  std::vector<float> stddev;         ///< standardize only: one per feature (1 where a feature is constant)
  std::optional<TableSchema> table;  ///< table only

  /// Images are scaled to [0,1]; a table with named columns gets a schema fitted under `options`;
  /// other matrices are standardised with their own mean and stddev.
  static Normalization fit(const RawData& raw, const TableOptions& options = {});
  /// True when normalised values lie in [0,1] (sigmoid output, BCE loss make sense).
  bool unit_range() const { return kind == "scale"; }
  /// Raw data → the model's inputs [count × width], in place (a table is re-encoded).
  void apply(RawData& raw) const;
  /// The model's outputs back to raw values; a table's blocks stay probabilities.
  void invert(std::vector<float>& values, int64_t features) const;
  /// Raw images with the opposite polarity (--invert): x → divisor − x. Throws for tables.
  void flip(std::vector<float>& values) const;

  nlohmann::json to_json() const;
  static Normalization from_json(const nlohmann::json& j);
};

}  // namespace latent
