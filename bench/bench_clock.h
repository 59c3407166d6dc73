#pragma once
// Timing helpers shared by the C++ benches.
#include <algorithm>
#include <chrono>
#include <vector>

namespace latent::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

/// The q-quantile (0..1) of the values, nearest rank.
inline double percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(q * static_cast<double>(values.size())))];
}

}  // namespace latent::bench
