// Search at scale: 1,000,000 database codes, radius-2 Hamming hash lookups against the float
// searches latent ships (CodeIndex: exact flat, and HNSW) and a brute-force Hamming scan.
// Each search is timed one query at a time and, where it has a batched path, with all queries
// in one call; the best of --rounds interleaved rounds counts.
// Same result sets on both sides: the hash returns every code within radius 2 (exact, checked
// against the scan); the float side returns, per query, the k nearest codes with k = the number
// the hash found for that query (at least 1). A float range search is not comparable: no float
// radius corresponds to Hamming radius 2, and the hash's answer is what a kNN user asks for.
// One call takes one k, so the batched float search sorts the queries by their k and calls in
// chunks of --chunk queries, each asking for its chunk's largest k (the report gives the excess:
// the k asked for over the k needed, summed over queries).
// The database: the 60,000 real MNIST train codes, then replicas of them (replica i copies real
// code i mod 60,000) with small noise: Gaussian noise of std --float-noise × each dimension's std
// for the float codes, each bit flipped with probability --flip for the binary codes.
// Usage: search_scale FLOAT_TRAIN.npy FLOAT_TEST.npy BINARY_TRAIN.npy BINARY_TEST.npy [--size N]
//        [--queries Q] [--float-noise S] [--flip P] [--rounds R] [--hnsw 0|1] [--chunk C]   (.npy from
//        `latent encode`; binary ones are sigmoid activations, thresholded at 0.5; --hnsw 0 leaves
//        out the HNSW rows, whose 1M-code build takes minutes)
// Prints one JSON object; exit 1 if a hash lookup's set differs from the scan's.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <iostream>
#include <iterator>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "bench_clock.h"
#include "latent/io/matrix_file.h"
#include "latent/search/binary_codes.h"
#include "latent/search/code_index.h"

using namespace latent;
using latent::bench::Clock;
using latent::bench::seconds_since;
using Hits = std::vector<std::vector<SearchHit>>;

namespace {

std::vector<int64_t> sorted_ids(const std::vector<SearchHit>& hits) {
  std::vector<int64_t> ids;
  for (const SearchHit& hit : hits) ids.push_back(hit.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

int run(int argc, char** argv) {
  if (argc < 5 || (argc - 5) % 2 != 0)
    throw std::invalid_argument(
        "usage: search_scale FLOAT_TRAIN.npy FLOAT_TEST.npy BINARY_TRAIN.npy BINARY_TEST.npy "
        "[--size N] [--queries Q] [--float-noise S] [--flip P] [--rounds R] [--hnsw 0|1] [--chunk C]");
  int64_t size = 1000000, queries = 1000, rounds = 3, with_hnsw = 1, chunk = 50;
  double float_noise = 0.05, flip = 0.02;
  for (int i = 5; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--size") size = std::stoll(argv[i + 1]);
    else if (flag == "--queries") queries = std::stoll(argv[i + 1]);
    else if (flag == "--float-noise") float_noise = std::stod(argv[i + 1]);
    else if (flag == "--flip") flip = std::stod(argv[i + 1]);
    else if (flag == "--rounds") rounds = std::stoll(argv[i + 1]);
    else if (flag == "--hnsw") with_hnsw = std::stoll(argv[i + 1]);
    else if (flag == "--chunk") chunk = std::stoll(argv[i + 1]);
    else throw std::invalid_argument("unknown flag " + flag);
  }
  if (size < 1 || queries < 1 || rounds < 1 || chunk < 1)
    throw std::invalid_argument("--size, --queries, --rounds and --chunk must be >= 1");
  Matrix float_train = read_matrix(argv[1]), float_test = read_matrix(argv[2]);
  Matrix bin_train = read_matrix(argv[3]), bin_test = read_matrix(argv[4]);
  const int64_t dims = float_train.cols, bits = bin_train.cols, bytes = bits / 8, real = float_train.rows;
  queries = std::min({queries, float_test.rows, bin_test.rows});
  std::mt19937_64 rng(0);

  // Float database: real codes, then noisy replicas.
  std::vector<double> spread(static_cast<size_t>(dims), 0.0), mean(static_cast<size_t>(dims), 0.0);
  for (int64_t i = 0; i < real; ++i)
    for (int64_t d = 0; d < dims; ++d) mean[d] += float_train.values[i * dims + d] / real;
  for (int64_t i = 0; i < real; ++i)
    for (int64_t d = 0; d < dims; ++d) spread[d] += std::pow(float_train.values[i * dims + d] - mean[d], 2) / real;
  std::vector<float> float_db(static_cast<size_t>(size * dims));
  std::normal_distribution<float> normal;
  for (int64_t i = 0; i < size; ++i)
    for (int64_t d = 0; d < dims; ++d)
      float_db[i * dims + d] = float_train.values[(i % real) * dims + d] +
                               (i < real ? 0.0f : static_cast<float>(float_noise * std::sqrt(spread[d])) * normal(rng));
  // Binary database: real codes, then replicas with bits flipped.
  std::vector<uint8_t> real_bits = pack_bits(bin_train.values.data(), real, bits);
  std::vector<uint8_t> bin_db(static_cast<size_t>(size * bytes));
  std::bernoulli_distribution flipped(flip);
  for (int64_t i = 0; i < size; ++i)
    for (int64_t j = 0; j < bits; ++j) {
      uint8_t bit = (real_bits[(i % real) * bytes + j / 8] >> (j % 8)) & 1;
      if (i >= real && flipped(rng)) bit ^= 1;
      bin_db[i * bytes + j / 8] |= static_cast<uint8_t>(bit << (j % 8));
    }
  std::vector<uint8_t> query_bits = pack_bits(bin_test.values.data(), queries, bits);
  const float* query_floats = float_test.values.data();

  nlohmann::json report = {{"database", size},   {"real_codes", real}, {"queries", queries},
                           {"float_dims", dims}, {"bits", bits},       {"float_noise", float_noise},
                           {"flip", flip},       {"rounds", rounds},   {"chunk", chunk}};
  auto t = Clock::now();
  CodeIndex flat = CodeIndex::build(float_db, dims, IndexInfo{}, false);
  report["flat_build_s"] = seconds_since(t);
  report["flat_bytes"] = size * dims * 4;
  std::optional<CodeIndex> hnsw;
  if (with_hnsw) {
    t = Clock::now();
    hnsw = CodeIndex::build(float_db, dims, IndexInfo{}, true);
    report["hnsw_build_s"] = seconds_since(t);
  }
  t = Clock::now();
  CodeIndex table = CodeIndex::build_binary(bin_db, bits, IndexInfo{});
  report["hash_build_s"] = seconds_since(t);
  report["hash_kind"] = table.info().kind;
  float_db.clear();
  float_db.shrink_to_fit();

  // The reference sets, from the scan: they fix each query's k for the float side.
  std::vector<std::vector<int64_t>> scanned(static_cast<size_t>(queries));
  std::vector<int> hamming(static_cast<size_t>(size));
  auto scan = [&] {
    for (int64_t q = 0; q < queries; ++q) {
      scanned[q].clear();
      hamming_distances(query_bits.data() + q * bytes, bin_db.data(), size, bytes, hamming.data());
      for (int64_t i = 0; i < size; ++i)
        if (hamming[i] <= 2) scanned[q].push_back(i);
    }
  };
  scan();
  std::vector<int64_t> k(static_cast<size_t>(queries));
  for (int64_t q = 0; q < queries; ++q) k[q] = std::max<int64_t>(1, static_cast<int64_t>(scanned[q].size()));
  const int64_t k_max = *std::max_element(k.begin(), k.end());
  // Queries in order of their k, cut into chunks: each batched call asks for its chunk's last k.
  std::vector<int64_t> by_k(static_cast<size_t>(queries));
  std::iota(by_k.begin(), by_k.end(), int64_t{0});
  std::stable_sort(by_k.begin(), by_k.end(), [&](int64_t a, int64_t b) { return k[a] < k[b]; });
  std::vector<float> chunk_floats;
  int64_t k_asked = 0;
  for (int64_t first = 0; first < queries; first += chunk)
    k_asked += k[by_k[std::min(queries, first + chunk) - 1]] * (std::min(queries, first + chunk) - first);

  Hits flat_hits(static_cast<size_t>(queries)), flat_batched, hnsw_hits(static_cast<size_t>(queries)), hnsw_batched,
      hash_hits(static_cast<size_t>(queries)), hash_batched;
  auto one_at_a_time = [&](const CodeIndex& index, Hits& out) {
    for (int64_t q = 0; q < queries; ++q) out[q] = index.search(query_floats + q * dims, 1, k[q]).front();
  };
  auto all_at_once = [&](const CodeIndex& index, Hits& out) {
    out.assign(static_cast<size_t>(queries), {});
    for (int64_t first = 0; first < queries; first += chunk) {
      const int64_t last = std::min(queries, first + chunk);
      chunk_floats.clear();
      for (int64_t i = first; i < last; ++i)
        chunk_floats.insert(chunk_floats.end(), query_floats + by_k[i] * dims, query_floats + (by_k[i] + 1) * dims);
      Hits hits = index.search(chunk_floats.data(), last - first, k[by_k[last - 1]]);
      for (int64_t i = first; i < last; ++i) {
        hits[i - first].resize(std::min<size_t>(hits[i - first].size(), static_cast<size_t>(k[by_k[i]])));
        out[by_k[i]] = std::move(hits[i - first]);
      }
    }
  };
  std::vector<std::pair<std::string, std::function<void()>>> searches = {
      {"flat_us", [&] { one_at_a_time(flat, flat_hits); }},
      {"flat_batched_us", [&] { all_at_once(flat, flat_batched); }},
      {"hamming_scan_us", scan},  // no batched path: one distance pass per query
      {"hash_us",
       [&] {
         for (int64_t q = 0; q < queries; ++q)
           hash_hits[q] = table.search_radius(query_bits.data() + q * bytes, 1, 2).front();
       }},
      {"hash_batched_us", [&] { hash_batched = table.search_radius(query_bits.data(), queries, 2); }},
  };
  if (hnsw) {
    searches.emplace_back("hnsw_us", [&] { one_at_a_time(*hnsw, hnsw_hits); });
    searches.emplace_back("hnsw_batched_us", [&] { all_at_once(*hnsw, hnsw_batched); });
  }
  for (const auto& search : searches) report[search.first] = std::numeric_limits<double>::infinity();
  for (int64_t round = 0; round < rounds; ++round)
    for (const auto& search : searches) {
      t = Clock::now();
      search.second();
      double us = seconds_since(t) * 1e6 / queries;
      report[search.first] = std::min(report[search.first].get<double>(), us);
    }

  int64_t mismatched = 0, total_found = 0, empty = 0, float_short = 0;
  double hnsw_recall = 0;
  for (int64_t q = 0; q < queries; ++q) {
    mismatched += sorted_ids(hash_hits[q]) != scanned[q] || sorted_ids(hash_batched[q]) != scanned[q];
    total_found += static_cast<int64_t>(scanned[q].size());
    empty += scanned[q].empty();
    float_short +=
        static_cast<int64_t>(flat_hits[q].size()) != k[q] || static_cast<int64_t>(flat_batched[q].size()) != k[q];
    if (!hnsw) continue;
    std::vector<int64_t> exact = sorted_ids(flat_hits[q]), approximate = sorted_ids(hnsw_hits[q]), common;
    std::set_intersection(exact.begin(), exact.end(), approximate.begin(), approximate.end(),
                          std::back_inserter(common));
    hnsw_recall += static_cast<double>(common.size()) / static_cast<double>(k[q]) / static_cast<double>(queries);
  }
  if (float_short > 0)
    throw std::runtime_error(std::to_string(float_short) + " float searches returned fewer than k hits");
  report["hash_mismatched_queries"] = mismatched;
  report["mean_found_radius2"] = static_cast<double>(total_found) / queries;
  report["max_found_radius2"] = k_max;
  // k asked for by the chunked batched calls over the k needed (1 = no extra work).
  report["batched_k_excess"] =
      static_cast<double>(k_asked) / static_cast<double>(std::accumulate(k.begin(), k.end(), int64_t{0}));
  report["empty_radius2"] = static_cast<double>(empty) / queries;
  if (hnsw) report["hnsw_recall"] = hnsw_recall;
  // Distance work of the batched flat search as one matrix multiply (queries × database × dims).
  report["flat_batched_gflops"] =
      2.0 * static_cast<double>(size * dims) / (report["flat_batched_us"].get<double>() * 1e3);
  report["speedup_hash_vs_flat"] = report["flat_us"].get<double>() / report["hash_us"].get<double>();
  report["speedup_hash_vs_flat_batched"] =
      report["flat_batched_us"].get<double>() / report["hash_batched_us"].get<double>();
  if (hnsw) report["speedup_hash_vs_hnsw"] = report["hnsw_us"].get<double>() / report["hash_us"].get<double>();
  report["speedup_hash_vs_hamming_scan"] = report["hamming_scan_us"].get<double>() / report["hash_us"].get<double>();
  std::cout << report.dump() << std::endl;
  if (mismatched > 0) std::cerr << "search_scale: " << mismatched << " hash lookups differ from the scan's set\n";
  return mismatched == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "search_scale: " << e.what() << "\n";
    return 2;
  }
}
