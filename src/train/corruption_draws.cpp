#include "train/corruption_draws.h"

#include <cmath>

#include "base/vector_clones.h"

namespace latent {
namespace {
// splitmix64's output function: a row's two 32-bit stream keys from (key, row).
uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A 32-bit integer hash (Wellons' lowbias32): 32-bit multiplies, so the loops vectorise.
inline uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

// The i-th 32 random bits of a row: two rounds, so that rows whose keys differ by a little do
// not share draws.
inline uint32_t draw(uint32_t i, uint32_t key_a, uint32_t key_b) { return mix32(mix32(i ^ key_a) + key_b); }

constexpr float kUnit = 1.0f / 16777216.0f;  // 2⁻²⁴: the top 24 bits as a float in [0, 1)

LATENT_CLONES void masking(const float* __restrict clean, float* __restrict out, int64_t width, float p, uint32_t a,
                           uint32_t b) {
  for (int64_t i = 0; i < width; ++i) {
    const float u = static_cast<float>(draw(static_cast<uint32_t>(i), a, b) >> 8) * kUnit;
    out[i] = u >= p ? clean[i] : 0.0f;
  }
}

LATENT_CLONES void salt_pepper(const float* __restrict clean, float* __restrict out, int64_t width, float p, uint32_t a,
                               uint32_t b) {
  for (int64_t i = 0; i < width; ++i) {
    const uint32_t bits = draw(static_cast<uint32_t>(i), a, b);
    const float u = static_cast<float>(bits >> 8) * kUnit;
    out[i] = u < p ? static_cast<float>(bits & 1U) : clean[i];  // the low bit: salt or pepper
  }
}

// Box–Muller, one normal number from each pair of draws.
LATENT_CLONES void gaussian(const float* __restrict clean, float* __restrict out, int64_t width, float sigma,
                            uint32_t a, uint32_t b) {
  constexpr float kTwoPi = 6.28318530717958647692f;
  for (int64_t i = 0; i < width; ++i) {
    const uint32_t n = 2 * static_cast<uint32_t>(i);
    const float u1 = static_cast<float>((draw(n, a, b) >> 8) + 1) * kUnit;  // (0, 1]: log is finite
    const float u2 = static_cast<float>(draw(n + 1, a, b) >> 8) * kUnit;
    out[i] = clean[i] + sigma * std::sqrt(-2.0f * std::log(u1)) * std::cos(kTwoPi * u2);
  }
}
}  // namespace

void corrupt_rows(const float* clean, float* out, int64_t first_row, int64_t rows, int64_t width,
                  const CorruptionSpec& spec, uint64_t key) {
  const float amount = static_cast<float>(spec.amount);
  for (int64_t r = 0; r < rows; ++r) {
    const uint64_t row_key = mix64(key + 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(first_row + r + 1));
    const auto a = static_cast<uint32_t>(row_key), b = static_cast<uint32_t>(row_key >> 32);
    const float* in = clean + r * width;
    float* to = out + r * width;
    switch (spec.kind) {
      case CorruptionKind::none:
        for (int64_t i = 0; i < width; ++i) to[i] = in[i];
        break;
      case CorruptionKind::masking:
        masking(in, to, width, amount, a, b);
        break;
      case CorruptionKind::saltpepper:
        salt_pepper(in, to, width, amount, a, b);
        break;
      case CorruptionKind::gaussian:
        gaussian(in, to, width, amount, a, b);
        break;
    }
  }
}

}  // namespace latent
