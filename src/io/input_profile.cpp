#include "latent/io/input_profile.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "base/json_number.h"

namespace latent {
namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string range_text(double lo, double hi) { return "[" + num(lo) + "," + num(hi) + "]"; }

const char* shade(double share) { return share < 0.5 ? "dark" : "light"; }

InputProfile fit_images(const RawData& raw) {
  InputProfile p;
  const int64_t n = raw.count(), d = raw.features();
  const bool framed = raw.sample_shape.size() == 3 && raw.sample_shape[1] >= 2 && raw.sample_shape[2] >= 2;
  const int64_t h = framed ? raw.sample_shape[1] : 0, w = framed ? raw.sample_shape[2] : 0;
  p.min = raw.values.empty() ? 0 : *std::min_element(raw.values.begin(), raw.values.end());
  p.max = raw.values.empty() ? 0 : *std::max_element(raw.values.begin(), raw.values.end());
  double sum = 0, sum_sq = 0, background = 0;
  int64_t with_background = 0;
  p.mean_lo = p.max;
  p.mean_hi = p.min;
  for (int64_t i = 0; i < n; ++i) {
    const float* x = raw.values.data() + i * d;
    const auto [lo, hi] = std::minmax_element(x, x + d);
    double total = 0;
    for (int64_t j = 0; j < d; ++j) total += x[j];
    const double mean = total / static_cast<double>(d);
    sum += mean;
    sum_sq += mean * mean;
    p.mean_lo = std::min(p.mean_lo, static_cast<float>(mean));
    p.mean_hi = std::max(p.mean_hi, static_cast<float>(mean));
    if (!framed || *hi <= *lo) continue;  // a blank picture has no background to speak of
    double border = 0;
    for (int64_t c = 0; c < w; ++c) border += x[c] + x[(h - 1) * w + c];
    for (int64_t r = 1; r + 1 < h; ++r) border += x[r * w] + x[r * w + w - 1];
    border /= static_cast<double>(2 * w + 2 * (h - 2));
    background += (border - *lo) / (*hi - *lo);
    ++with_background;
  }
  if (n > 0) {
    p.mean = static_cast<float>(sum / n);
    p.mean_sd = static_cast<float>(std::sqrt(std::max(0.0, sum_sq / n - (sum / n) * (sum / n))));
  }
  p.background = with_background > 0 ? static_cast<float>(background / with_background) : -1.0f;
  return p;
}

InputProfile fit_table(const RawData& raw) {
  InputProfile p;
  p.is_image = false;
  const int64_t n = raw.count(), d = raw.features();
  for (int64_t f = 0; f < d && n > 0; ++f) {
    float lo = raw.values[f], hi = lo;
    for (int64_t i = 1; i < n; ++i) {
      lo = std::min(lo, raw.values[i * d + f]);
      hi = std::max(hi, raw.values[i * d + f]);
    }
    p.feature_min.push_back(lo);
    p.feature_max.push_back(hi);
  }
  return p;
}

}  // namespace

InputProfile InputProfile::fit(const RawData& raw) { return raw.is_image ? fit_images(raw) : fit_table(raw); }

std::vector<std::string> InputProfile::warnings(const RawData& input, const std::string& invert_hint) const {
  std::vector<std::string> out;
  if (input.count() == 0 || input.is_image != is_image) return out;
  const InputProfile q = fit(input);
  if (!is_image) {
    // Generous: a value ten training ranges beyond its feature's range is in other units (or
    // another column order); held-out rows of the training table stay within a range or two.
    const size_t d = feature_min.size();
    if (q.feature_min.size() != d) return out;
    int64_t far = 0, first = -1;
    for (size_t f = 0; f < d; ++f) {
      const float width = feature_max[f] - feature_min[f];
      if (width <= 0) continue;  // a constant feature has no scale to compare with
      if (q.feature_min[f] < feature_min[f] - 10 * width || q.feature_max[f] > feature_max[f] + 10 * width) {
        if (far++ == 0) first = static_cast<int64_t>(f);
      }
    }
    if (far > 0)
      out.push_back(std::to_string(far) + " of " + std::to_string(d) +
                    " features lie far outside the training range (feature " + std::to_string(first) + ": " +
                    range_text(q.feature_min[first], q.feature_max[first]) + ", trained on " +
                    range_text(feature_min[first], feature_max[first]) + "): other units or another column order?");
    return out;
  }
  const float range = max - min;
  if (range <= 0) return out;
  // Scale: the brightest value a tenth of the training range or less (pixels 0..1 for a model
  // trained on 0..255). A blank input (nothing above the training minimum) says nothing.
  if (q.max > min && q.max < min + range / 10) {
    const double factor = q.max <= 1 ? max : max / q.max;
    out.push_back("values lie in " + range_text(q.min, q.max) + " but the model was trained on " +
                  range_text(min, max) + ": scale them (x" + num(factor) + ")");
  }
  // Polarity: MNIST-like training data has a border at 0.0 of each image's range, an inverted
  // digit 1.0, uniform noise 0.5; real test digits stay within 0.3 of the training average.
  if (background >= 0 && q.background >= 0 && std::abs(q.background - background) > 0.6) {
    out.push_back("the background is " + std::string(shade(q.background)) + " (" + num(q.background) +
                  " of the range) but the training images have a " + shade(background) + " background (" +
                  num(background) + "): the input looks inverted; " + invert_hint);
  }
  // Brightness, unless explained above: the mean well outside what any training image had.
  const float margin = 3 * mean_sd;
  if (out.empty() && (q.mean < mean_lo - margin || q.mean > mean_hi + margin))
    out.push_back("the mean value " + num(q.mean) + " is far from the training images' (" + num(mean) + " ± " +
                  num(mean_sd) + ", between " + num(mean_lo) + " and " + num(mean_hi) + ")");
  return out;
}

nlohmann::json InputProfile::to_json() const {
  if (!is_image) return {{"kind", "table"}, {"feature_min", feature_min}, {"feature_max", feature_max}};
  return {{"kind", "image"},    {"min", min},         {"max", max},         {"mean", mean},
          {"mean_sd", mean_sd}, {"mean_lo", mean_lo}, {"mean_hi", mean_hi}, {"background", background}};
}

InputProfile InputProfile::from_json(const nlohmann::json& j) {
  InputProfile p;
  const std::string kind = j.at("kind").get<std::string>();
  if (kind == "table") {
    p.is_image = false;
    p.feature_min = json_floats(j.at("feature_min"));
    p.feature_max = json_floats(j.at("feature_max"));
    if (p.feature_min.size() != p.feature_max.size())
      throw nlohmann::json::other_error::create(501, "input profile ranges differ in length", &j);
    return p;
  }
  if (kind != "image") throw nlohmann::json::other_error::create(501, "unknown input profile kind", &j);
  p.min = json_float(j.at("min"));
  p.max = json_float(j.at("max"));
  p.mean = json_float(j.at("mean"));
  p.mean_sd = json_float(j.at("mean_sd"));
  p.mean_lo = json_float(j.at("mean_lo"));
  p.mean_hi = json_float(j.at("mean_hi"));
  p.background = json_float(j.at("background"));
  return p;
}

}  // namespace latent
