// Binary codes: packing round-trips, radius search finds exactly the brute-force Hamming ball,
// hash index files round-trip and refuse damage, and the binary metrics score known codes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "latent/base/error.h"
#include "latent/metrics/retrieval_eval.h"
#include "latent/search/binary_codes.h"
#include "latent/search/code_index.h"
#include "scratch_path.h"

namespace latent {
namespace {

std::vector<uint8_t> random_bits(int64_t count, int64_t bits, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> codes(static_cast<size_t>(count * bits / 8));
  for (uint8_t& b : codes) b = static_cast<uint8_t>(rng());
  return codes;
}

TEST(BinaryCodes, PackUnpackRoundTrips) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> uniform;
  for (int64_t bits : {8, 32, 72, 256}) {
    std::vector<float> activations(static_cast<size_t>(5 * bits));
    for (float& v : activations) v = uniform(rng);
    std::vector<uint8_t> packed = pack_bits(activations.data(), 5, bits);
    ASSERT_EQ(packed.size(), static_cast<size_t>(5 * bits / 8));
    std::vector<float> unpacked = unpack_bits(packed.data(), 5, bits);
    for (size_t i = 0; i < activations.size(); ++i) EXPECT_EQ(unpacked[i], activations[i] > 0.5f ? 1.0f : 0.0f);
    EXPECT_EQ(pack_bits(unpacked.data(), 5, bits), packed);
  }
  // Bit j is bit j % 8 of byte j / 8 (FAISS's order).
  std::vector<float> one_hot(16, 0.0f);
  one_hot[9] = 1;
  EXPECT_EQ(pack_bits(one_hot.data(), 1, 16), (std::vector<uint8_t>{0, 2}));
  EXPECT_THROW(pack_bits(one_hot.data(), 1, 12), Error);
}

TEST(BinaryCodes, RankingSortsByDistanceThenId) {
  std::vector<int> distances = {3, 0, 3, 1, 0, 32};
  EXPECT_EQ(rank_by_distance(distances.data(), 6, 32), (std::vector<int64_t>{1, 4, 3, 0, 2, 5}));
}

// Brute-force Hamming ball, ids in (distance, id) order.
std::vector<int64_t> ball(const std::vector<uint8_t>& codes, const uint8_t* query, int64_t bits, int radius) {
  const int64_t bytes = bits / 8, count = static_cast<int64_t>(codes.size()) / bytes;
  std::vector<std::pair<int, int64_t>> found;
  for (int64_t i = 0; i < count; ++i) {
    int d = hamming_distance(query, codes.data() + i * bytes, bytes);
    if (d <= radius) found.emplace_back(d, i);
  }
  std::sort(found.begin(), found.end());
  std::vector<int64_t> ids;
  for (const auto& f : found) ids.push_back(f.second);
  return ids;
}

TEST(BinaryIndex, RadiusSearchIsExactlyTheHammingBall) {
  // 16 and 32 bits: one table keyed by the whole code; 128 bits: four 32-bit keys (multi-index).
  for (int64_t bits : {16, 32, 128}) {
    const int64_t bytes = bits / 8;
    // Clustered codes (a few centres with bits flipped) so the balls are not empty.
    std::vector<uint8_t> centres = random_bits(20, bits, 7), codes;
    std::mt19937_64 rng(11);
    for (int i = 0; i < 3000; ++i) {
      std::vector<uint8_t> c(centres.begin() + (i % 20) * bytes, centres.begin() + (i % 20 + 1) * bytes);
      for (int flip = static_cast<int>(rng() % 6); flip > 0; --flip)
        c[rng() % bytes] ^= static_cast<uint8_t>(1u << (rng() % 8));
      codes.insert(codes.end(), c.begin(), c.end());
    }
    CodeIndex index = CodeIndex::build_binary(codes, bits, IndexInfo{});
    EXPECT_EQ(index.info().kind, "table");
    std::vector<uint8_t> queries = random_bits(5, bits, 13);
    queries.insert(queries.end(), codes.begin(), codes.begin() + 20 * bytes);
    size_t nonempty = 0;
    for (int radius : {0, 1, 2, 3, 5}) {
      auto hits = index.search_radius(queries.data(), static_cast<int64_t>(queries.size() / bytes), radius);
      for (size_t q = 0; q < hits.size(); ++q) {
        std::vector<int64_t> expected = ball(codes, queries.data() + q * bytes, bits, radius), got;
        for (const SearchHit& hit : hits[q]) {
          got.push_back(hit.id);
          EXPECT_EQ(hit.distance, hamming_distance(queries.data() + q * bytes, codes.data() + hit.id * bytes, bytes));
        }
        EXPECT_EQ(got, expected) << bits << " bits, radius " << radius << ", query " << q;
        nonempty += !expected.empty();
      }
    }
    EXPECT_GT(nonempty, 40u);
  }
}

// `index build` makes HammingTables; a FAISS hash (a mutable index's memory, and snapshot files
// built before the table) still saves, loads and searches the same.
TEST(BinaryIndex, FaissHashSnapshotsStillLoadAndSearch) {
  for (int64_t bits : {32, 128}) {
    const std::vector<uint8_t> codes = random_bits(300, bits, 21);
    const std::vector<float> unpacked = unpack_bits(codes.data(), 300, bits);
    CodeIndex hash = CodeIndex::empty(bits, true, IndexInfo{});
    hash.add(unpacked.data(), 300, {}, {});
    EXPECT_EQ(hash.info().kind, bits <= 64 ? "hash" : "multihash");
    const std::string path = testing::scratch_path("faiss_hash.index");
    hash.save(path);
    const CodeIndex loaded = CodeIndex::load(path);
    std::filesystem::remove(path);
    EXPECT_EQ(loaded.info().kind, hash.info().kind);
    EXPECT_EQ(loaded.binary_codes(), codes);
    const CodeIndex table = CodeIndex::build_binary(codes, bits, IndexInfo{});
    for (int q = 0; q < 300; q += 37) {
      const auto want = table.search_radius(codes.data() + q * (bits / 8), 1, 3).front();
      const auto got = loaded.search_radius(codes.data() + q * (bits / 8), 1, 3).front();
      ASSERT_EQ(got.size(), want.size()) << bits << " bits, query " << q;
      for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].id, want[i].id);
    }
  }
}

TEST(BinaryIndex, NearestByHammingWithDuplicateFirst) {
  std::vector<uint8_t> codes = random_bits(1000, 32, 5);
  CodeIndex index = CodeIndex::build_binary(codes, 32, IndexInfo{});
  std::vector<SearchHit> hits = index.search_binary(codes.data() + 4 * 321, 1, 5).front();
  ASSERT_EQ(hits.size(), 5u);
  EXPECT_EQ(hits[0].id, 321);
  EXPECT_DOUBLE_EQ(hits[0].similarity, 100.0);
  for (size_t r = 1; r < hits.size(); ++r) EXPECT_LE(hits[r - 1].distance, hits[r].distance);
  EXPECT_THROW(index.search_radius(codes.data(), 1, -1), Error);
  CodeIndex floats = CodeIndex::build(std::vector<float>(64, 0.5f), 8, IndexInfo{}, false);
  EXPECT_THROW(floats.search_radius(codes.data(), 1, 2), Error);
}

TEST(BinaryIndex, SavesLoadsAndRefusesTruncation) {
  for (int64_t bits : {32, 128}) {
    std::vector<uint8_t> codes = random_bits(500, bits, 9);
    IndexInfo info;
    info.labels.assign(500, 3);
    CodeIndex index = CodeIndex::build_binary(codes, bits, info);
    std::string path = testing::scratch_path("binary.index");
    index.save(path);
    CodeIndex loaded = CodeIndex::load(path);
    EXPECT_TRUE(loaded.is_binary());
    EXPECT_EQ(loaded.dims(), bits);
    EXPECT_EQ(loaded.binary_codes(), codes);
    EXPECT_EQ(loaded.search_radius(codes.data() + bits / 8 * 7, 1, 1).front().front().id, 7);
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - 100);
    EXPECT_THROW(CodeIndex::load(path), Error);
    std::filesystem::remove(path);
  }
}

TEST(BinaryRetrievalEval, CountsTheRadiusTwoBall) {
  // Two labels with codes 0x00000000 and 0xFFFFFFFF, five of each, and one of label 0 with 2 bits
  // set: every query finds its five (and, for label 0, the sixth) within radius 2.
  std::vector<uint8_t> codes;
  std::vector<int64_t> labels;
  for (int i = 0; i < 5; ++i) {
    codes.insert(codes.end(), {0, 0, 0, 0});
    labels.push_back(0);
    codes.insert(codes.end(), {255, 255, 255, 255});
    labels.push_back(1);
  }
  codes.insert(codes.end(), {3, 0, 0, 0});
  labels.push_back(1);  // labelled 1 but next to the label-0 codes: costs precision
  IndexInfo info;
  info.labels = labels;
  CodeIndex index = CodeIndex::build_binary(codes, 32, info);
  std::vector<uint8_t> queries = {0, 0, 0, 0, 255, 255, 255, 255, 0, 255, 0, 255};
  RetrievalMetrics m = evaluate_binary_retrieval(index, queries, {0, 1, 0});
  EXPECT_NEAR(m.mean_found_radius2, (6 + 5 + 0) / 3.0, 1e-12);
  EXPECT_NEAR(m.precision_radius2, (5.0 / 6 + 1 + 0) / 3.0, 1e-12);
  EXPECT_NEAR(m.empty_radius2, 1 / 3.0, 1e-12);
  EXPECT_GT(m.map, 0.5);
}

}  // namespace
}  // namespace latent
