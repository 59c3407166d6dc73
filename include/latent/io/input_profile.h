#pragma once
// What the raw training inputs looked like (value range, brightness, background), recorded in the
// model at training time so that a query on another scale or with the opposite polarity is
// reported instead of silently giving a meaningless code.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "latent/io/raw_data.h"

namespace latent {

struct InputProfile {
  bool is_image = true;
  // Images: the value range over all pixels; the per-sample mean (its mean, its spread and the
  // extremes seen); the background (mean of the border pixels as a share of the sample's own
  // range: 0 dark, 1 light), averaged over the samples.
  float min = 0, max = 0;
  float mean = 0, mean_sd = 0, mean_lo = 0, mean_hi = 0;
  float background = 0;
  // Tables: each feature's range.
  std::vector<float> feature_min, feature_max;

  static InputProfile fit(const RawData& raw);
  /// One sentence per way `input` (one sample or a set, judged by its averages) differs far from
  /// the training data; empty when it looks alike. `invert_hint` says how to invert ("pass --invert").
  std::vector<std::string> warnings(const RawData& input, const std::string& invert_hint) const;

  nlohmann::json to_json() const;
  static InputProfile from_json(const nlohmann::json& j);
};

}  // namespace latent
