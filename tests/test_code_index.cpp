// The code index: exact duplicates first at 100 %, a sorted ranking, files that round-trip
// and refuse damage.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "latent/base/error.h"
#include "latent/io/container.h"
#include "latent/metrics/retrieval_eval.h"
#include "latent/search/code_index.h"
#include "scratch_path.h"

namespace latent {
namespace {

std::vector<float> random_codes(int64_t count, int64_t dims, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> codes(static_cast<size_t>(count * dims));
  for (float& v : codes) v = normal(rng);
  return codes;
}

void cut_last_bytes(const std::string& path, size_t count) {
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - count);
}

// Clustered codes (50 centres): what an inverted file's cells are for.
std::vector<float> clustered_codes(int64_t count, int64_t dims, uint64_t seed) {
  std::vector<float> centres = random_codes(50, dims, seed), codes = random_codes(count, dims, seed + 1);
  for (int64_t i = 0; i < count; ++i)
    for (int64_t d = 0; d < dims; ++d) codes[i * dims + d] = centres[(i % 50) * dims + d] * 4 + codes[i * dims + d];
  return codes;
}

double recall_at_10(const CodeIndex& index, const CodeIndex& exact, const std::vector<float>& queries, int64_t n,
                    int64_t nprobe) {
  const auto got = index.search(queries.data(), n, 10, nprobe), want = exact.search(queries.data(), n, 10);
  double found = 0;
  for (int64_t q = 0; q < n; ++q)
    for (const SearchHit& w : want[q])
      found += std::any_of(got[q].begin(), got[q].end(), [&](const SearchHit& g) { return g.id == w.id; });
  return found / static_cast<double>(n * 10);
}

TEST(CodeIndex, InvertedFilesFindTheExactNeighboursAndRoundTrip) {
  const int64_t dims = 16, count = 20000, n = 200;
  const std::vector<float> codes = clustered_codes(count, dims, 5), queries = clustered_codes(n, dims, 5);
  const CodeIndex exact = CodeIndex::build(codes, dims, IndexInfo{}, false);
  const CodeIndex ivf = CodeIndex::build_ivf(codes, dims, IndexInfo{}, 100, 0);
  const CodeIndex pq = CodeIndex::build_ivf(codes, dims, IndexInfo{}, 100, 8);
  EXPECT_EQ(ivf.info().kind, "ivf");
  EXPECT_EQ(pq.info().kind, "ivfpq");
  EXPECT_EQ(ivf.info().nprobe, 16);
  // Visiting every cell, IVF-Flat is exact; one cell of 100 finds less.
  EXPECT_DOUBLE_EQ(recall_at_10(ivf, exact, queries, n, 100), 1.0);
  EXPECT_LT(recall_at_10(ivf, exact, queries, n, 1), recall_at_10(ivf, exact, queries, n, 16));
  EXPECT_GT(recall_at_10(pq, exact, queries, n, 16), 0.5);
  for (const CodeIndex* built : {&ivf, &pq}) {
    const std::string path = testing::scratch_path("ivf.index");
    built->save(path);
    const CodeIndex loaded = CodeIndex::load(path);
    EXPECT_EQ(loaded.info().kind, built->info().kind);
    EXPECT_EQ(loaded.info().nprobe, built->info().nprobe);
    const auto a = built->search(queries.data(), n, 10), b = loaded.search(queries.data(), n, 10);
    for (int64_t q = 0; q < n; ++q) {
      ASSERT_EQ(a[q].size(), b[q].size());
      for (size_t r = 0; r < a[q].size(); ++r)
        ASSERT_EQ(a[q][r].id, b[q][r].id)
            << built->info().kind << " q " << q << " r " << r << " " << a[q][r].distance << " " << b[q][r].distance;
    }
    cut_last_bytes(path, 100);  // a truncated file
    EXPECT_THROW(CodeIndex::load(path), Error);
    std::filesystem::remove(path);
  }
  EXPECT_THROW(CodeIndex::build_ivf(codes, dims, IndexInfo{}, 100, 5), Error);  // 5 does not divide 16
  EXPECT_THROW(CodeIndex::build_ivf(codes, dims, IndexInfo{}, count + 1, 0), Error);
}

TEST(CodeIndex, ExactDuplicateComesFirstAtFullSimilarity) {
  const int64_t dims = 16;
  std::vector<float> codes = random_codes(2000, dims, 1);
  CodeIndex index = CodeIndex::build(codes, dims, IndexInfo{}, false);
  for (int64_t id : {0, 777, 1999}) {
    std::vector<SearchHit> hits = index.search(codes.data() + id * dims, 1, 10).front();
    ASSERT_EQ(hits.size(), 10u);
    EXPECT_EQ(hits[0].id, id);
    EXPECT_DOUBLE_EQ(hits[0].similarity, 100.0);
    for (size_t r = 1; r < hits.size(); ++r) {
      EXPECT_LE(hits[r - 1].distance, hits[r].distance);
      EXPECT_LT(hits[r].similarity, 100.0);
    }
  }
}

// The flat index searches through BLAS with cached norms (code_index.cpp): its hits must be the
// brute-force k nearest, one query or many at once, with the distances computed directly.
TEST(CodeIndex, FlatSearchIsTheBruteForceRanking) {
  const int64_t dims = 32, count = 3000, k = 7;
  std::vector<float> codes = random_codes(count, dims, 3);
  std::vector<float> queries = random_codes(25, dims, 4);
  CodeIndex index = CodeIndex::build(codes, dims, IndexInfo{}, false);
  std::vector<std::vector<SearchHit>> together = index.search(queries.data(), 25, k);
  for (int64_t q = 0; q < 25; ++q) {
    std::vector<std::pair<double, int64_t>> all;
    for (int64_t i = 0; i < count; ++i) {
      double sum = 0;
      for (int64_t j = 0; j < dims; ++j) {
        double diff = double(queries[q * dims + j]) - codes[i * dims + j];
        sum += diff * diff;
      }
      all.emplace_back(std::sqrt(sum), i);
    }
    std::partial_sort(all.begin(), all.begin() + k, all.end());
    std::vector<SearchHit> alone = index.search(queries.data() + q * dims, 1, k).front();
    ASSERT_EQ(together[q].size(), static_cast<size_t>(k));
    ASSERT_EQ(alone.size(), static_cast<size_t>(k));
    for (int64_t r = 0; r < k; ++r) {
      EXPECT_EQ(together[q][r].id, all[r].second) << "query " << q << " rank " << r;
      EXPECT_EQ(alone[r].id, all[r].second) << "query " << q << " rank " << r;
      EXPECT_NEAR(together[q][r].distance, all[r].first, 1e-4);
    }
  }
}

// Cosine: the ranking is by the cosine of the codes' differences from the indexed codes' mean,
// brute force, with similarity 100·cos; the centre survives a file; a code scaled away from the
// centre is the same direction (100 %), which Euclidean distance would not find.
TEST(CodeIndex, CosineRanksByTheAngleAroundTheCodesMean) {
  const int64_t dims = 12, count = 1500, k = 5, n = 20;
  std::vector<float> codes = random_codes(count, dims, 7), queries = random_codes(n, dims, 8);
  for (float& v : codes) v += 3;  // a mean far from zero: cosine of the raw codes would differ
  for (float& v : queries) v += 3;
  IndexInfo info;
  info.metric = CodeMetric::cosine;
  for (int64_t i = 0; i < count; ++i) info.labels.push_back(i);
  const CodeIndex index = CodeIndex::build(codes, dims, info, false);
  std::vector<double> centre(dims, 0.0);
  for (int64_t i = 0; i < count; ++i)
    for (int64_t j = 0; j < dims; ++j) centre[j] += codes[i * dims + j] / double(count);
  ASSERT_EQ(index.info().centre.size(), static_cast<size_t>(dims));
  for (int64_t j = 0; j < dims; ++j) EXPECT_NEAR(index.info().centre[j], centre[j], 1e-5);
  const auto cosine = [&](const float* a, const float* b) {
    double ab = 0, aa = 0, bb = 0;
    for (int64_t j = 0; j < dims; ++j) {
      ab += (a[j] - centre[j]) * (b[j] - centre[j]);
      aa += (a[j] - centre[j]) * (a[j] - centre[j]);
      bb += (b[j] - centre[j]) * (b[j] - centre[j]);
    }
    return ab / std::sqrt(aa * bb);
  };
  const std::string path = testing::scratch_path("cosine.index");
  index.save(path);
  const CodeIndex loaded = CodeIndex::load(path);
  EXPECT_EQ(loaded.info().metric, CodeMetric::cosine);
  const auto expect_damaged_header = [&](const std::string& payload, const char* what) {
    std::ofstream(path, std::ios::binary) << pack_container("index", payload);
    try {
      CodeIndex::load(path);
      ADD_FAILURE() << what << " loaded";
    } catch (const SettingError& e) {
      ADD_FAILURE() << what << " reported as a setting: " << e.what();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path + ": damaged index header"), std::string::npos) << e.what();
    }
  };
  const std::string saved = read_container(path, "index");
  {  // A metric this build does not know (a file from a newer one) is the file's fault, not a flag's.
    std::string payload = saved;
    const size_t at = payload.find("\"metric\":\"cosine\"");
    ASSERT_NE(at, std::string::npos);
    payload.replace(at, 17, "\"metric\":\"sphere\"");
    expect_damaged_header(payload, "an unknown metric");
  }
  {  // A header that is not JSON at all.
    std::string payload = saved;
    ASSERT_EQ(payload[8], '{');
    payload[8] = 'x';
    expect_damaged_header(payload, "a header that is not JSON");
  }
  std::filesystem::remove(path);
  for (const CodeIndex* searched : {&index, &loaded}) {
    const auto hits = searched->search(queries.data(), n, k);
    for (int64_t q = 0; q < n; ++q) {
      std::vector<std::pair<double, int64_t>> all;
      for (int64_t i = 0; i < count; ++i)
        all.emplace_back(-cosine(queries.data() + q * dims, codes.data() + i * dims), i);
      std::partial_sort(all.begin(), all.begin() + k, all.end());
      ASSERT_EQ(hits[q].size(), static_cast<size_t>(k));
      for (int64_t r = 0; r < k; ++r) {
        EXPECT_EQ(hits[q][r].id, all[r].second) << "query " << q << " rank " << r;
        EXPECT_NEAR(hits[q][r].similarity, std::round(-10000 * all[r].first) / 100, 0.011);
      }
    }
  }
  std::vector<float> farther(codes.begin() + 9 * dims, codes.begin() + 10 * dims);
  for (int64_t j = 0; j < dims; ++j) farther[j] = float(centre[j] + 5 * (farther[j] - centre[j]));
  const SearchHit same = index.search(farther.data(), 1, 1).front().front();
  EXPECT_EQ(same.id, 9);
  EXPECT_DOUBLE_EQ(same.similarity, 100.0);
  // The evaluation ranks the whole database the same way: 50 codes moved away from the centre
  // each find themselves first.
  std::vector<float> moved(codes.begin(), codes.begin() + 50 * dims);
  std::vector<int64_t> moved_labels;
  for (int64_t i = 0; i < 50; ++i) {
    moved_labels.push_back(i);
    for (int64_t j = 0; j < dims; ++j) moved[i * dims + j] = float(centre[j] + 5 * (moved[i * dims + j] - centre[j]));
  }
  EXPECT_DOUBLE_EQ(evaluate_retrieval(index, moved, moved_labels).top1_accuracy, 1.0);
  // A mutable index has no codes to centre on when it is made.
  EXPECT_THROW(CodeIndex::empty(dims, false, info), SettingError);
}

TEST(CodeIndex, SavesLoadsAndRefusesTruncation) {
  const int64_t dims = 8;
  std::vector<float> codes = random_codes(300, dims, 2);
  IndexInfo info;
  info.model_fingerprint = "0123456789abcdef";
  info.labels.assign(300, 3);
  CodeIndex index = CodeIndex::build(codes, dims, info, true);
  std::string path = testing::scratch_path("flat.index");
  index.save(path);
  CodeIndex back = CodeIndex::load(path);
  EXPECT_EQ(back.size(), 300);
  EXPECT_EQ(back.info().model_fingerprint, info.model_fingerprint);
  EXPECT_EQ(back.info().kind, "hnsw");
  EXPECT_EQ(back.stored_codes(), codes);
  EXPECT_EQ(back.search(codes.data() + 5 * dims, 1, 1).front().front().id, 5);
  cut_last_bytes(path, 100);
  EXPECT_THROW(CodeIndex::load(path), Error);
  std::filesystem::remove(path);
}

TEST(RetrievalEval, PerfectClustersScoreOne) {
  // Two far-apart clusters with one label each: every ranking puts the query's cluster first.
  const int64_t dims = 4;
  std::vector<float> codes = random_codes(200, dims, 3);
  IndexInfo info;
  for (int64_t i = 0; i < 200; ++i) {
    info.labels.push_back(i % 2);
    codes[static_cast<size_t>(i * dims)] += (i % 2) * 100.0f;
  }
  CodeIndex index = CodeIndex::build(codes, dims, info, false);
  std::vector<float> queries = {0, 0, 0, 0, 100, 0, 0, 0};
  RetrievalMetrics m = evaluate_retrieval(index, queries, {0, 1});
  EXPECT_DOUBLE_EQ(m.map, 1.0);
  EXPECT_DOUBLE_EQ(m.precision_at_100, 1.0);
  // Labels that ignore the clusters score about chance (0.5).
  RetrievalMetrics chance =
      evaluate_retrieval(CodeIndex::build(random_codes(200, dims, 4), dims, info, false), queries, {0, 1});
  EXPECT_LT(chance.map, 0.75);
}

TEST(RetrievalEval, RelevanceByFileName) {
  // Entry i at (10 i, 0); the query for entry i is its code, from another folder under the same
  // name. Names are relevant whatever the folder; a name found nowhere has no relevant entry.
  const int64_t dims = 2;
  std::vector<float> codes;
  IndexInfo info;
  for (int64_t i = 0; i < 20; ++i) {
    codes.insert(codes.end(), {10.0f * static_cast<float>(i), 0});
    info.paths.push_back("db/" + std::string(i % 2 ? "odd" : "even") + "/e" + std::to_string(i) + ".png");
  }
  CodeIndex index = CodeIndex::build(codes, dims, info, false);
  std::vector<float> queries = {0, 0, 50, 0, 190, 0};
  RelevanceKeys same = relevance_by_name(info.paths, {"q/all/e0.png", "q/all/e5.png", "e19.png"});
  RetrievalMetrics m = evaluate_retrieval(index, queries, same);
  EXPECT_DOUBLE_EQ(m.map, 1.0);
  EXPECT_DOUBLE_EQ(m.top1_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(m.top10_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(m.precision_at_100, 0.01);
  // Query 0 named e3 (3 nearer: AP 1/4), query 1 named e17 (17 nearer: AP 1/18), query 2 unknown.
  RetrievalMetrics other =
      evaluate_retrieval(index, queries, relevance_by_name(info.paths, {"q/e3.png", "q/e17.png", "q/new.png"}));
  EXPECT_DOUBLE_EQ(other.top1_accuracy, 0.0);
  EXPECT_DOUBLE_EQ(other.top10_accuracy, 1 / 3.0);
  EXPECT_DOUBLE_EQ(other.map, (1 / 4.0 + 1 / 18.0) / 3);
  // Relevance by label needs labels.
  EXPECT_THROW(relevance_by_label(index, {0, 1, 0}), Error);
}

}  // namespace
}  // namespace latent
