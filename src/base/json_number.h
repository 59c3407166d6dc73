#pragma once
// Number fields of a file's JSON header. nlohmann converts a number with a plain cast, undefined
// behaviour when it is out of the target's range ({"format": 8e45} in a detector file, found by
// fuzz_detector; a float beyond FLT_MAX read as float likewise): fields are read through these,
// which refuse anything else with the nlohmann::json::exception the readers already turn into
// "damaged".
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <nlohmann/json.hpp>

namespace latent {

inline int64_t json_int(const nlohmann::json& value, int64_t lo = std::numeric_limits<int32_t>::min(),
                        int64_t hi = std::numeric_limits<int32_t>::max()) {
  if (!value.is_number_integer()) throw nlohmann::json::type_error::create(302, "expected an integer", &value);
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(hi))
    throw nlohmann::json::out_of_range::create(406, "integer out of range", &value);
  const int64_t v = value.get<int64_t>();
  if (v < lo || v > hi) throw nlohmann::json::out_of_range::create(406, "integer out of range", &value);
  return v;
}

/// An array of integers, each in [lo, hi].
inline std::vector<int64_t> json_ints(const nlohmann::json& value, int64_t lo = std::numeric_limits<int32_t>::min(),
                                      int64_t hi = std::numeric_limits<int32_t>::max()) {
  if (!value.is_array()) throw nlohmann::json::type_error::create(302, "expected an array", &value);
  std::vector<int64_t> out;
  for (const auto& v : value) out.push_back(json_int(v, lo, hi));
  return out;
}

/// A number that fits a float.
inline float json_float(const nlohmann::json& value) {
  if (!value.is_number()) throw nlohmann::json::type_error::create(302, "expected a number", &value);
  const double d = value.get<double>();
  if (!(std::abs(d) <= std::numeric_limits<float>::max()))
    throw nlohmann::json::out_of_range::create(406, "number out of range", &value);
  return static_cast<float>(d);
}

/// An array of numbers that fit a float.
inline std::vector<float> json_floats(const nlohmann::json& value) {
  if (!value.is_array()) throw nlohmann::json::type_error::create(302, "expected an array", &value);
  std::vector<float> out;
  for (const auto& v : value) out.push_back(json_float(v));
  return out;
}

}  // namespace latent
