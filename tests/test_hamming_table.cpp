// HammingTable: radius search returns exactly the brute-force Hamming ball, with distances, for
// one table (8, 16, 32 bits) and for several (64, 128 bits: a match of one key is checked whole).
#include <gtest/gtest.h>

#include <random>

#include "latent/base/error.h"
#include "latent/search/binary_codes.h"
#include "latent/search/hamming_table.h"

namespace latent {
namespace {

TEST(HammingTable, RadiusSearchIsExactlyTheHammingBall) {
  for (int64_t bits : {8, 16, 32, 64, 128}) {
    const int64_t bytes = bits / 8, count = 5000;
    // Clustered codes (30 centres, a few bits flipped) so the balls hold many entries.
    std::mt19937_64 rng(static_cast<uint64_t>(bits));
    std::vector<uint8_t> centres(static_cast<size_t>(30 * bytes)), codes;
    for (uint8_t& b : centres) b = static_cast<uint8_t>(rng());
    for (int64_t i = 0; i < count; ++i) {
      std::vector<uint8_t> c(centres.begin() + (i % 30) * bytes, centres.begin() + (i % 30 + 1) * bytes);
      for (int flip = static_cast<int>(rng() % 5); flip > 0; --flip)
        c[rng() % bytes] ^= static_cast<uint8_t>(1u << (rng() % 8));
      codes.insert(codes.end(), c.begin(), c.end());
    }
    const HammingTable table = HammingTable::build(codes.data(), count, bits);
    EXPECT_EQ(table.size(), count);
    size_t found_total = 0;
    for (int q = 0; q < 40; ++q) {
      std::vector<uint8_t> query(codes.begin() + q * 97 * bytes, codes.begin() + (q * 97 + 1) * bytes);
      if (q % 2) query[static_cast<size_t>(q) % bytes] ^= 0x81;  // two bits off a stored code
      for (int radius : {0, 1, 2, 3, 5}) {
        std::vector<std::pair<int, uint32_t>> expected;
        for (int64_t i = 0; i < count; ++i) {
          const int d = hamming_distance(query.data(), codes.data() + i * bytes, bytes);
          if (d <= radius) expected.emplace_back(d, static_cast<uint32_t>(i));
        }
        std::sort(expected.begin(), expected.end());
        EXPECT_EQ(table.search_radius(query.data(), radius), expected) << bits << " bits, radius " << radius;
        found_total += expected.size();
      }
    }
    EXPECT_GT(found_total, 1000u) << bits;
  }
  std::vector<uint8_t> one(4, 0);
  EXPECT_THROW(HammingTable::build(one.data(), 1, 12), Error);
  EXPECT_THROW(HammingTable::build(one.data(), 1, 32).search_radius(one.data(), 33), Error);
}

}  // namespace
}  // namespace latent
