#pragma once
// An integer field of a file's JSON header. nlohmann converts a float to int with a plain cast,
// undefined behaviour when it is out of range ({"format": 8e45} in a detector file, found by
// fuzz_detector): a field that must be an integer is read through this, which refuses anything
// else with the nlohmann::json::exception the readers already turn into "damaged".
#include <cstdint>
#include <limits>

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

}  // namespace latent
