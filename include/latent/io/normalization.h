#pragma once
// How raw values map to what the model sees; saved in the model so that evaluation and
// serving normalise exactly as training did.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "latent/io/raw_data.h"

namespace latent {

struct Normalization {
  std::string kind = "scale";  ///< "scale": x / divisor (images → [0,1]); "standardize": per feature
  float divisor = 255.0f;      ///< scale only
  std::vector<float> mean;     ///< standardize only: one per feature
  std::vector<float> stddev;   ///< standardize only: one per feature (1 where a feature is constant)

  /// Images are scaled to [0,1]; tables are standardised with their own mean and stddev.
  static Normalization fit(const RawData& raw);
  /// True when normalised values lie in [0,1] (sigmoid output, BCE loss make sense).
  bool unit_range() const { return kind == "scale"; }
  void apply(std::vector<float>& values, int64_t features) const;
  void invert(std::vector<float>& values, int64_t features) const;
  /// Raw images with the opposite polarity (--invert): x → divisor − x. Throws for tables.
  void flip(std::vector<float>& values) const;

  nlohmann::json to_json() const;
  static Normalization from_json(const nlohmann::json& j);
};

}  // namespace latent
