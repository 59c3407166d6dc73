// Mutable indexes: after any mix of upserts and removals, searches (float k-NN, Hamming radius on
// one hash table and on a multi-hash) give exactly what a fresh build of the surviving entries
// gives; the file reopens to the same entries; a search never sees half a write batch; bad ids
// and codes are refused before anything is written.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <thread>

#include "latent/base/error.h"
#include "latent/search/binary_codes.h"
#include "latent/search/mutable_index.h"
#include "scratch_path.h"

namespace latent {
namespace {

struct Scratch {
  std::string path;
  explicit Scratch(const std::string& name) : path(testing::scratch_path(name)) { clean(); }
  ~Scratch() { clean(); }
  void clean() const {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
};

std::vector<float> random_code(std::mt19937_64& rng, int64_t dims, bool binary) {
  std::normal_distribution<float> normal;
  std::vector<float> code(static_cast<size_t>(dims));
  for (float& v : code) v = binary ? static_cast<float>(rng() % 2) : normal(rng);
  return code;
}

// Upserts 400 ids, removes a third of them, overwrites a third with new codes: returns what
// should be left, by id; `gone` gets the codes removed or replaced.
std::map<std::string, IndexEntry> churn(MutableIndex& index, int64_t dims, bool binary,
                                        std::vector<float>* gone = nullptr) {
  std::mt19937_64 rng(17);
  std::map<std::string, IndexEntry> expected;
  std::vector<IndexChange> batch;
  for (int i = 0; i < 400; ++i) {
    IndexEntry e{"item/" + std::to_string(i), random_code(rng, dims, binary), i % 7};
    expected[e.id] = e;
    batch.push_back({e, false});
    if (batch.size() == 50) {
      index.write(batch);
      batch.clear();
    }
  }
  for (int i = 0; i < 400; ++i)
    if (gone && i % 3 != 2)
      gone->insert(gone->end(), expected.at("item/" + std::to_string(i)).code.begin(),
                   expected.at("item/" + std::to_string(i)).code.end());
  for (int i = 0; i < 400; i += 3) {
    batch.push_back({{"item/" + std::to_string(i), {}, -1}, true});
    expected.erase("item/" + std::to_string(i));
  }
  for (int i = 1; i < 400; i += 3) {
    IndexEntry e{"item/" + std::to_string(i), random_code(rng, dims, binary), 99};
    expected[e.id] = e;
    batch.push_back({e, false});
  }
  const std::vector<bool> found = index.write(batch);
  EXPECT_TRUE(std::all_of(found.begin(), found.end(), [](bool f) { return f; }));
  EXPECT_EQ(index.write({{{"item/0", {}, -1}, true}}), std::vector<bool>{false});  // removed already
  return expected;
}

// Each query's hits as (distance, id) pairs, nearest first.
using Ranked = std::vector<std::vector<std::pair<float, std::string>>>;
Ranked named(const std::vector<std::vector<SearchHit>>& hits, const std::vector<std::string>& keys) {
  Ranked out;
  for (const auto& row : hits) {
    out.emplace_back();
    for (const SearchHit& hit : row) out.back().emplace_back(hit.distance, keys[static_cast<size_t>(hit.id)]);
    std::sort(out.back().begin(), out.back().end());
  }
  return out;
}

// The same search on a fresh build of the expected entries.
CodeIndex rebuilt(const std::map<std::string, IndexEntry>& expected, int64_t dims, bool binary) {
  std::vector<float> codes;
  IndexInfo info;
  for (const auto& [id, e] : expected) {
    codes.insert(codes.end(), e.code.begin(), e.code.end());
    info.keys.push_back(id);
  }
  const auto n = static_cast<int64_t>(expected.size());
  return binary ? CodeIndex::build_binary(pack_bits(codes.data(), n, dims), dims, info)
                : CodeIndex::build(codes, dims, info, false);
}

TEST(MutableIndex, FloatSearchAfterChurnEqualsARebuild) {
  Scratch file("float.lix");
  const int64_t dims = 8;
  std::map<std::string, IndexEntry> expected;
  {
    MutableIndex index = MutableIndex::create(file.path, IndexInfo{}, dims, false);
    expected = churn(index, dims, false);
  }
  MutableIndex index = MutableIndex::open(file.path);
  std::mt19937_64 rng(5);
  std::vector<float> queries;
  for (int q = 0; q < 20; ++q) {
    std::vector<float> c = random_code(rng, dims, false);
    queries.insert(queries.end(), c.begin(), c.end());
  }
  CodeIndex reference = rebuilt(expected, dims, false);
  const Ranked want = named(reference.search(queries.data(), 20, 10), reference.info().keys);
  const Ranked got =
      index.read([&](const CodeIndex& m) { return named(m.search(queries.data(), 20, 10), m.info().keys); });
  EXPECT_EQ(got, want);
  EXPECT_EQ(index.read([](const CodeIndex& m) { return m.size(); }), static_cast<int64_t>(expected.size()));
  const std::optional<IndexEntry> one = index.get("item/1");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->code, expected.at("item/1").code);
  EXPECT_EQ(one->label, 99);
  EXPECT_FALSE(index.get("item/0").has_value());
}

TEST(MutableIndex, AFirstLargeBatchSetsTheSimilarityScale) {
  Scratch file("scale.lix");
  const int64_t dims = 8;
  MutableIndex index = MutableIndex::create(file.path, IndexInfo{}, dims, false);
  std::mt19937_64 rng(6);
  std::vector<IndexChange> changes(2000);
  for (size_t i = 0; i < changes.size(); ++i)
    changes[i].entry = {"id" + std::to_string(i), random_code(rng, dims, false)};
  index.write(changes);
  // Normal codes of 8 numbers lie about 4 apart (sqrt(2 * 8)); the scale must not stay at 1.
  const double scale = index.read([](const CodeIndex& m) { return m.info().similarity_scale; });
  EXPECT_NEAR(scale, 4, 0.5);
}

TEST(MutableIndex, HammingRadiusAfterChurnEqualsARebuild) {
  for (int64_t bits : {32, 128}) {  // one hash table keyed by the whole code; four 32-bit keys
    Scratch file("binary.lix");
    std::map<std::string, IndexEntry> expected;
    {
      MutableIndex index = MutableIndex::create(file.path, IndexInfo{}, bits, true);
      std::vector<float> gone;
      expected = churn(index, bits, true, &gone);
      // Queries: stored codes, half with two bits flipped, and 30 codes removed or replaced
      // (found only if an entry kept them).
      CodeIndex reference = rebuilt(expected, bits, true);
      std::vector<uint8_t> queries(reference.binary_codes().begin(),
                                   reference.binary_codes().begin() + 30 * (bits / 8));
      for (size_t c = 1; c < 30; c += 2) queries[c * static_cast<size_t>(bits / 8)] ^= 0x11;
      const std::vector<uint8_t> gone_bits = pack_bits(gone.data(), 30, bits);
      queries.insert(queries.end(), gone_bits.begin(), gone_bits.end());
      for (bool reopened : {false, true}) {
        MutableIndex opened = reopened ? MutableIndex::open(file.path) : std::move(index);
        for (int radius : {0, 2, 4}) {
          const Ranked want = named(reference.search_radius(queries.data(), 60, radius), reference.info().keys);
          const Ranked got = opened.read(
              [&](const CodeIndex& m) { return named(m.search_radius(queries.data(), 60, radius), m.info().keys); });
          EXPECT_EQ(got, want) << bits << " bits, radius " << radius << (reopened ? ", reopened" : "");
          if (radius == 2) {
            EXPECT_GE(std::count_if(want.begin(), want.end(), [](auto& r) { return !r.empty(); }), 25) << bits;
          }
        }
        if (!reopened) index = std::move(opened);
      }
    }
  }
}

TEST(MutableIndex, SearchesSeeWholeBatches) {
  Scratch file("batches.lix");
  MutableIndex index = MutableIndex::create(file.path, IndexInfo{}, 4, false);
  std::atomic<bool> done{false};
  std::atomic<int64_t> reads{0}, torn{0};
  std::thread reader([&] {
    const std::vector<float> query(4, 0.0f);
    while (!done) {
      index.read([&](const CodeIndex& m) {
        if (m.size() % 10 != 0) ++torn;
        if (m.size() > 0) m.search(query.data(), 1, 5);
        return 0;
      });
      ++reads;
    }
  });
  std::mt19937_64 rng(3);
  for (int b = 0; b < 40; ++b) {
    std::vector<IndexChange> batch;
    for (int i = 0; i < 10; ++i)
      batch.push_back({{"b" + std::to_string(b) + "/" + std::to_string(i), random_code(rng, 4, false), -1}, false});
    index.write(batch);
  }
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

TEST(MutableIndex, RefusesBadWritesBeforeWritingAny) {
  Scratch file("refuse.lix");
  MutableIndex index = MutableIndex::create(file.path, IndexInfo{}, 4, false);
  const std::vector<float> good(4, 1.0f);
  for (const IndexChange& bad : {IndexChange{{"", good, -1}, false}, IndexChange{{"a\nb", good, -1}, false},
                                 IndexChange{{std::string(1025, 'x'), good, -1}, false},
                                 IndexChange{{"short", std::vector<float>(3, 1.0f), -1}, false}})
    EXPECT_THROW(index.write({{{"first", good, -1}, false}, bad}), Error);
  EXPECT_FALSE(index.get("first").has_value());
  EXPECT_THROW(MutableIndex::create(file.path, IndexInfo{}, 4, false), Error);  // exists
  Scratch other("not_an_index.lix");
  CodeIndex::build(std::vector<float>(8, 0.5f), 4, IndexInfo{}, false).save(other.path);
  EXPECT_FALSE(EntryStore::is_store(other.path));
  EXPECT_THROW(MutableIndex::open(other.path), Error);
}

TEST(MutableIndex, RefusesADamagedFile) {
  Scratch file("damaged.lix");
  {
    MutableIndex index = MutableIndex::create(file.path, IndexInfo{}, 4, false);
    index.write({{{"a", std::vector<float>(4, 1.0f), -1}, false}});
  }
  std::string bytes;
  {
    std::ifstream in(file.path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(bytes.size(), 200u);
  for (size_t i = 100; i < bytes.size(); i += 7) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  std::ofstream(file.path, std::ios::binary | std::ios::trunc) << bytes;
  EXPECT_THROW(MutableIndex::open(file.path), Error);
}

}  // namespace
}  // namespace latent
