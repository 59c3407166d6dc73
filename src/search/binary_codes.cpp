#include "latent/search/binary_codes.h"

#include <cstring>

#include "latent/base/error.h"

namespace latent {

std::vector<uint8_t> pack_bits(const float* values, int64_t n, int64_t bits, float threshold) {
  if (bits <= 0 || bits % 8 != 0) throw Error("binary codes need a multiple of 8 bits, not " + std::to_string(bits));
  const int64_t bytes = bits / 8;
  std::vector<uint8_t> codes(static_cast<size_t>(n * bytes), 0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < bits; ++j)
      if (values[i * bits + j] > threshold)
        codes[static_cast<size_t>(i * bytes + j / 8)] |= static_cast<uint8_t>(1u << (j % 8));
  return codes;
}

std::vector<float> unpack_bits(const uint8_t* codes, int64_t n, int64_t bits) {
  const int64_t bytes = bits / 8;
  std::vector<float> values(static_cast<size_t>(n * bits));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < bits; ++j)
      values[static_cast<size_t>(i * bits + j)] = (codes[i * bytes + j / 8] >> (j % 8)) & 1;
  return values;
}

int hamming_distance(const uint8_t* a, const uint8_t* b, int64_t bytes) {
  int d = 0;
  int64_t k = 0;
  for (; k + 8 <= bytes; k += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + k, 8);
    std::memcpy(&y, b + k, 8);
    d += __builtin_popcountll(x ^ y);
  }
  for (; k < bytes; ++k) d += __builtin_popcount(static_cast<unsigned>(a[k] ^ b[k]));
  return d;
}

void hamming_distances(const uint8_t* query, const uint8_t* codes, int64_t count, int64_t bytes, int* out) {
  if (bytes == 4) {  // the common 32-bit case, one popcount per code
    uint32_t q;
    std::memcpy(&q, query, 4);
    for (int64_t i = 0; i < count; ++i) {
      uint32_t c;
      std::memcpy(&c, codes + 4 * i, 4);
      out[i] = __builtin_popcount(q ^ c);
    }
    return;
  }
  for (int64_t i = 0; i < count; ++i) out[i] = hamming_distance(query, codes + i * bytes, bytes);
}

std::vector<int64_t> rank_by_distance(const int* distances, int64_t count, int64_t bits) {
  std::vector<int64_t> start(static_cast<size_t>(bits + 2), 0);
  for (int64_t i = 0; i < count; ++i) ++start[static_cast<size_t>(distances[i]) + 1];
  for (size_t d = 1; d < start.size(); ++d) start[d] += start[d - 1];
  std::vector<int64_t> order(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) order[static_cast<size_t>(start[static_cast<size_t>(distances[i])]++)] = i;
  return order;
}

}  // namespace latent
