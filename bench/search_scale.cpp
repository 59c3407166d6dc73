// Search at scale: 1,000,000 database codes, radius-2 Hamming hash lookups against brute-force
// float search, HNSW and a brute-force Hamming scan, one query at a time.
// The database: the 60,000 real MNIST train codes, then replicas of them (replica i copies real
// code i mod 60,000) with small noise: Gaussian noise of std --float-noise × each dimension's std
// for the float codes, each bit flipped with probability --flip for the binary codes.
// Usage: search_scale FLOAT_TRAIN.npy FLOAT_TEST.npy BINARY_TRAIN.npy BINARY_TEST.npy [--size N]
//        [--queries Q] [--float-noise S] [--flip P]   (.npy from `latent encode`; binary ones are
//        sigmoid activations, thresholded at 0.5)
// Prints one JSON object.
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "latent/binary_codes.h"
#include "latent/code_index.h"
#include "latent/matrix_file.h"

using namespace latent;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: search_scale FLOAT_TRAIN.npy FLOAT_TEST.npy BINARY_TRAIN.npy BINARY_TEST.npy [--size N] "
                 "[--queries Q] [--float-noise S] [--flip P]\n";
    return 2;
  }
  int64_t size = 1000000, queries = 1000;
  double float_noise = 0.05, flip = 0.02;
  for (int i = 5; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--size") size = std::stoll(argv[i + 1]);
    else if (flag == "--queries") queries = std::stoll(argv[i + 1]);
    else if (flag == "--float-noise") float_noise = std::stod(argv[i + 1]);
    else if (flag == "--flip") flip = std::stod(argv[i + 1]);
    else { std::cerr << "unknown flag " << flag << "\n"; return 2; }
  }
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

  nlohmann::json report = {{"database", size}, {"real_codes", real}, {"queries", queries}, {"float_dims", dims},
                           {"bits", bits}, {"float_noise", float_noise}, {"flip", flip}};
  // Brute-force float: IndexFlatL2, k = 10.
  auto t = Clock::now();
  faiss::IndexFlatL2 flat(dims);
  flat.add(size, float_db.data());
  report["flat_build_s"] = seconds_since(t);
  report["flat_bytes"] = size * dims * 4;
  std::vector<float> distances(10);
  std::vector<faiss::Index::idx_t> ids(10);
  t = Clock::now();
  for (int64_t q = 0; q < queries; ++q) flat.search(1, float_test.values.data() + q * dims, 10, distances.data(), ids.data());
  report["flat_us"] = seconds_since(t) * 1e6 / queries;
  // HNSW (M = 32, as `latent index build --hnsw`), k = 10.
  t = Clock::now();
  faiss::IndexHNSWFlat hnsw(static_cast<int>(dims), 32);
  hnsw.add(size, float_db.data());
  report["hnsw_build_s"] = seconds_since(t);
  report["hnsw_bytes"] = size * dims * 4 + static_cast<int64_t>(hnsw.hnsw.neighbors.size() * sizeof(hnsw.hnsw.neighbors[0]));
  t = Clock::now();
  for (int64_t q = 0; q < queries; ++q) hnsw.search(1, float_test.values.data() + q * dims, 10, distances.data(), ids.data());
  report["hnsw_us"] = seconds_since(t) * 1e6 / queries;
  // Brute-force Hamming scan, radius 2, and the hash table; the found sets must agree.
  std::vector<std::vector<int64_t>> scanned(static_cast<size_t>(queries));
  std::vector<int> hamming(static_cast<size_t>(size));
  t = Clock::now();
  for (int64_t q = 0; q < queries; ++q) {
    hamming_distances(query_bits.data() + q * bytes, bin_db.data(), size, bytes, hamming.data());
    for (int64_t i = 0; i < size; ++i)
      if (hamming[i] <= 2) scanned[q].push_back(i);
  }
  report["hamming_scan_us"] = seconds_since(t) * 1e6 / queries;
  t = Clock::now();
  CodeIndex table = CodeIndex::build_binary(bin_db, bits, IndexInfo{});
  report["hash_build_s"] = seconds_since(t);
  report["hash_kind"] = table.info().kind;
  std::vector<std::vector<SearchHit>> found(static_cast<size_t>(queries));
  t = Clock::now();
  for (int64_t q = 0; q < queries; ++q) found[q] = table.search_radius(query_bits.data() + q * bytes, 1, 2).front();
  report["hash_us"] = seconds_since(t) * 1e6 / queries;
  int64_t mismatched = 0, total_found = 0, empty = 0;
  for (int64_t q = 0; q < queries; ++q) {
    std::vector<int64_t> got;
    for (const SearchHit& hit : found[q]) got.push_back(hit.id);
    std::sort(got.begin(), got.end());
    mismatched += got != scanned[q];
    total_found += static_cast<int64_t>(got.size());
    empty += got.empty();
  }
  report["hash_sets_exact"] = mismatched == 0;
  report["hash_mismatched_queries"] = mismatched;
  report["mean_found_radius2"] = static_cast<double>(total_found) / queries;
  report["empty_radius2"] = static_cast<double>(empty) / queries;
  report["speedup_hash_vs_flat"] = report["flat_us"].get<double>() / report["hash_us"].get<double>();
  report["speedup_hash_vs_hamming_scan"] = report["hamming_scan_us"].get<double>() / report["hash_us"].get<double>();
  std::cout << report.dump() << std::endl;
  return mismatched == 0 ? 0 : 1;
}
