#pragma once
// The number of values a tensor of a shape holds.
#include <cstdint>
#include <functional>
#include <numeric>
#include <vector>

namespace latent {

/// The product of the sizes (1 for an empty shape).
inline int64_t shape_size(const std::vector<int64_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

}  // namespace latent
