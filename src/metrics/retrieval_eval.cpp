#include "latent/metrics/retrieval_eval.h"

#include <faiss/utils/distances.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <numeric>
#include <unordered_map>

#include "latent/base/error.h"
#include "latent/search/binary_codes.h"

namespace latent {

namespace {

void check_keys(const CodeIndex& index, const RelevanceKeys& relevance) {
  if (static_cast<int64_t>(relevance.database.size()) != index.size())
    throw Error("relevance keys for " + std::to_string(relevance.database.size()) + " entries, the index holds " +
                std::to_string(index.size()));
  if (relevance.queries.empty()) throw Error("no queries");
}

/// Adds one query's scores, given whether each rank of its ranking is relevant.
struct QueryScore {
  double hits = 0, precision_sum = 0;
  void add(RetrievalMetrics& metrics, int64_t rank) {
    hits += 1;
    precision_sum += hits / static_cast<double>(rank + 1);
    if (rank < 100) metrics.precision_at_100 += 1.0 / 100.0;
    if (rank == 0) metrics.top1_accuracy += 1;
    if (hits == 1 && rank < 10) metrics.top10_accuracy += 1;
  }
  void finish(RetrievalMetrics& metrics) const {
    if (hits > 0) metrics.map += precision_sum / hits;
  }
};

}  // namespace

RelevanceKeys relevance_by_label(const CodeIndex& index, const std::vector<int64_t>& query_labels) {
  if (index.info().labels.empty()) throw Error("the index holds no labels: retrieval cannot be scored");
  return {index.info().labels, query_labels};
}

RelevanceKeys relevance_by_name(const std::vector<std::string>& database_paths,
                                const std::vector<std::string>& query_paths) {
  std::unordered_map<std::string, int64_t> ids;
  auto id = [&ids](const std::string& path) {
    return ids.emplace(std::filesystem::path(path).filename().string(), static_cast<int64_t>(ids.size())).first->second;
  };
  RelevanceKeys keys;
  for (const std::string& path : database_paths) keys.database.push_back(id(path));
  for (const std::string& path : query_paths) keys.queries.push_back(id(path));
  return keys;
}

RetrievalMetrics evaluate_retrieval(const CodeIndex& index, const std::vector<float>& query_codes,
                                    const std::vector<int64_t>& query_labels) {
  return evaluate_retrieval(index, query_codes, relevance_by_label(index, query_labels));
}

RetrievalMetrics evaluate_binary_retrieval(const CodeIndex& index, const std::vector<uint8_t>& query_codes,
                                           const std::vector<int64_t>& query_labels) {
  return evaluate_binary_retrieval(index, query_codes, relevance_by_label(index, query_labels));
}

RetrievalMetrics evaluate_retrieval(const CodeIndex& index, const std::vector<float>& query_codes,
                                    const RelevanceKeys& relevance) {
  if (index.is_binary())
    return evaluate_binary_retrieval(
        index, pack_bits(query_codes.data(), static_cast<int64_t>(relevance.queries.size()), index.dims()), relevance);
  check_keys(index, relevance);
  const std::vector<int64_t>& keys = relevance.database;
  const int64_t dims = index.dims(), n = static_cast<int64_t>(relevance.queries.size()), db = index.size();
  const std::vector<float> database = index.stored_codes(), queries_stored = index.as_stored(query_codes.data(), n);
  RetrievalMetrics metrics;
  metrics.queries = n;
  // Exact distances to the whole database, a block of queries at a time, then the full ranking.
  constexpr int64_t kBlock = 64;
  std::vector<float> distances(static_cast<size_t>(kBlock * db));
  std::vector<int64_t> order(static_cast<size_t>(db));
  for (int64_t start = 0; start < n; start += kBlock) {
    int64_t block = std::min(kBlock, n - start);
    faiss::pairwise_L2sqr(dims, block, queries_stored.data() + start * dims, db, database.data(), distances.data());
    for (int64_t q = 0; q < block; ++q) {
      const float* row = distances.data() + q * db;
      std::iota(order.begin(), order.end(), 0);
      // Ties broken by id, so the score does not depend on the sort's whims.
      std::sort(order.begin(), order.end(),
                [row](int64_t a, int64_t b) { return row[a] < row[b] || (row[a] == row[b] && a < b); });
      const int64_t key = relevance.queries[static_cast<size_t>(start + q)];
      QueryScore score;
      for (int64_t rank = 0; rank < db; ++rank)
        if (keys[static_cast<size_t>(order[static_cast<size_t>(rank)])] == key) score.add(metrics, rank);
      score.finish(metrics);
    }
  }
  const double queries = static_cast<double>(n);
  metrics.map /= queries;
  metrics.precision_at_100 /= queries;
  metrics.top1_accuracy /= queries;
  metrics.top10_accuracy /= queries;
  auto start_time = std::chrono::steady_clock::now();
  for (int64_t q = 0; q < n; ++q) index.search(query_codes.data() + q * dims, 1, 100);
  metrics.query_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start_time).count() / queries;
  return metrics;
}

RetrievalMetrics evaluate_binary_retrieval(const CodeIndex& index, const std::vector<uint8_t>& query_codes,
                                           const RelevanceKeys& relevance) {
  if (!index.is_binary()) throw Error("not an index of binary codes");
  check_keys(index, relevance);
  const std::vector<int64_t>& keys = relevance.database;
  const int64_t bits = index.dims(), bytes = bits / 8, n = static_cast<int64_t>(relevance.queries.size()),
                db = index.size();
  RetrievalMetrics metrics;
  metrics.queries = n;
  std::vector<int> distances(static_cast<size_t>(db));
  for (int64_t q = 0; q < n; ++q) {
    hamming_distances(query_codes.data() + q * bytes, index.binary_codes().data(), db, bytes, distances.data());
    std::vector<int64_t> order = rank_by_distance(distances.data(), db, bits);
    const int64_t key = relevance.queries[static_cast<size_t>(q)];
    QueryScore score;
    double found = 0, found_relevant = 0;
    for (int64_t rank = 0; rank < db; ++rank) {
      const int64_t id = order[static_cast<size_t>(rank)];
      const bool relevant = keys[static_cast<size_t>(id)] == key;
      if (distances[static_cast<size_t>(id)] <= 2) {
        found += 1;
        found_relevant += relevant;
      }
      if (relevant) score.add(metrics, rank);
    }
    score.finish(metrics);
    metrics.mean_found_radius2 += found;
    if (found > 0) metrics.precision_radius2 += found_relevant / found;
    else metrics.empty_radius2 += 1;
  }
  const double queries = static_cast<double>(n);
  metrics.map /= queries;
  metrics.precision_at_100 /= queries;
  metrics.top1_accuracy /= queries;
  metrics.top10_accuracy /= queries;
  metrics.precision_radius2 /= queries;
  metrics.mean_found_radius2 /= queries;
  metrics.empty_radius2 /= queries;
  auto start_time = std::chrono::steady_clock::now();
  for (int64_t q = 0; q < n; ++q) index.search_radius(query_codes.data() + q * bytes, 1, 2);
  metrics.query_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start_time).count() / queries;
  return metrics;
}

}  // namespace latent
