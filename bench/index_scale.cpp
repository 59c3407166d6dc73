// 100,000,000 binary codes in a HammingTable (search/hamming_table.h): build time, memory, bytes
// per entry, µs per radius-R query (one at a time, p50/p99), and exactness against a brute-force
// scan of every query; beside it FAISS IndexBinaryHash (what `latent index build` uses today) at
// a smaller size, whose bytes per entry say why it is not the layout at 100M.
// The database: the 70,000 real MNIST codes (train then test) first, then codes sampled from the
// model's code distribution as its per-bit marginals (each bit drawn independently with the share
// of real codes that have it set; seed 7). Queries: the first --queries real test codes.
// Usage: index_scale TRAIN.npy TEST.npy [--size N] [--queries Q] [--radius R] [--faiss-size N]
//        (.npy from `latent encode` of a 32-bit binary model: sigmoid activations, cut at 0.5)
// Prints one JSON object; exit 1 when a lookup's set differs from the scan's.
#include <faiss/IndexBinaryHash.h>
#include <faiss/impl/AuxIndexStructures.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <numeric>
#include <random>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "bench_clock.h"
#include "latent/io/matrix_file.h"
#include "latent/search/binary_codes.h"
#include "latent/search/hamming_table.h"

namespace {

using latent::bench::Clock;
using latent::bench::percentile;
using latent::bench::seconds_since;

/// Resident and peak resident memory of this process, in bytes (/proc/self/status).
std::pair<int64_t, int64_t> resident_bytes() {
  std::ifstream status("/proc/self/status");
  int64_t rss = 0, peak = 0;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stoll(line.substr(6)) * 1024;
    if (line.rfind("VmHWM:", 0) == 0) peak = std::stoll(line.substr(6)) * 1024;
  }
  return {rss, peak};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: index_scale TRAIN.npy TEST.npy [--size N] [--queries Q] [--radius R] [--faiss-size N]\n";
    return 2;
  }
  int64_t size = 100000000, queries = 1000, faiss_size = 10000000;
  int radius = 2;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int64_t value = std::stoll(argv[i + 1]);
    if (flag == "--size") size = value;
    else if (flag == "--queries") queries = value;
    else if (flag == "--radius") radius = static_cast<int>(value);
    else if (flag == "--faiss-size") faiss_size = value;
    else {
      std::cerr << "index_scale: unknown option " << flag << "\n";
      return 2;
    }
  }
  const latent::Matrix train = latent::read_matrix(argv[1]), test = latent::read_matrix(argv[2]);
  if (train.cols != 32 || test.cols != 32) {
    std::cerr << "index_scale: expected 32-bit codes\n";
    return 2;
  }
  std::vector<uint32_t> real(static_cast<size_t>(train.rows + test.rows));
  const std::vector<uint8_t> packed_train = latent::pack_bits(train.values.data(), train.rows, 32);
  const std::vector<uint8_t> packed_test = latent::pack_bits(test.values.data(), test.rows, 32);
  std::memcpy(real.data(), packed_train.data(), packed_train.size());
  std::memcpy(real.data() + train.rows, packed_test.data(), packed_test.size());
  queries = std::min<int64_t>(queries, test.rows);
  size = std::max<int64_t>(size, static_cast<int64_t>(real.size()));
  double share[32] = {};
  for (uint32_t code : real)
    for (int b = 0; b < 32; ++b) share[b] += (code >> b) & 1u;
  for (double& s : share) s /= static_cast<double>(real.size());

  const Clock::time_point generate_start = Clock::now();
  std::vector<uint32_t> codes(static_cast<size_t>(size));
  std::copy(real.begin(), real.end(), codes.begin());
  std::mt19937_64 rng(7);
  uint64_t thresholds[32];
  for (int b = 0; b < 32; ++b) thresholds[b] = static_cast<uint64_t>(share[b] * 18446744073709551615.0);
  for (size_t i = real.size(); i < codes.size(); ++i) {
    uint32_t code = 0;
    for (int b = 0; b < 32; ++b) code |= static_cast<uint32_t>(rng() < thresholds[b]) << b;
    codes[i] = code;
  }
  const double generate_s = seconds_since(generate_start);
  const int64_t rss_before = resident_bytes().first;

  const Clock::time_point build_start = Clock::now();
  const latent::HammingTable table =
      latent::HammingTable::build(reinterpret_cast<const uint8_t*>(codes.data()), size, 32);
  const double build_s = seconds_since(build_start);
  const auto [rss_after, peak] = resident_bytes();

  std::vector<double> micros;
  std::vector<std::vector<std::pair<int, uint32_t>>> found(static_cast<size_t>(queries));
  size_t hits = 0;
  for (int64_t q = 0; q < queries; ++q) {
    const Clock::time_point t = Clock::now();
    found[static_cast<size_t>(q)] = table.search_radius(packed_test.data() + q * 4, radius);
    micros.push_back(seconds_since(t) * 1e6);
    hits += found[static_cast<size_t>(q)].size();
  }

  // The scan: every code against every query, on every core.
  const Clock::time_point scan_start = Clock::now();
  const unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::vector<std::vector<std::pair<int, uint32_t>>>> partial(workers);
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      auto& mine = partial[w];
      mine.resize(static_cast<size_t>(queries));
      const size_t from = codes.size() * w / workers, to = codes.size() * (w + 1) / workers;
      const uint32_t* query = reinterpret_cast<const uint32_t*>(packed_test.data());
      for (size_t i = from; i < to; ++i)
        for (int64_t q = 0; q < queries; ++q) {
          const int d = __builtin_popcount(codes[i] ^ query[q]);
          if (d <= radius) mine[static_cast<size_t>(q)].emplace_back(d, static_cast<uint32_t>(i));
        }
    });
  for (std::thread& t : threads) t.join();
  int64_t mismatches = 0;
  for (int64_t q = 0; q < queries; ++q) {
    std::vector<std::pair<int, uint32_t>> expected;
    for (auto& p : partial) expected.insert(expected.end(), p[q].begin(), p[q].end());
    std::sort(expected.begin(), expected.end());
    mismatches += expected != found[static_cast<size_t>(q)];
  }
  const double scan_s = seconds_since(scan_start);
  partial.clear();

  // FAISS IndexBinaryHash (b = 32) over the first faiss_size codes: memory per entry and µs per query.
  nlohmann::json faiss_row;
  if (faiss_size > 0) {
    faiss_size = std::min(faiss_size, size);
    const int64_t before = resident_bytes().first;
    const Clock::time_point t0 = Clock::now();
    faiss::IndexBinaryHash hash(32, 32);
    hash.add(faiss_size, reinterpret_cast<const uint8_t*>(codes.data()));
    const double faiss_build_s = seconds_since(t0);
    const int64_t faiss_bytes = resident_bytes().first - before;
    hash.nflip = radius;
    std::vector<double> faiss_micros;
    for (int64_t q = 0; q < queries; ++q) {
      faiss::RangeSearchResult result(1);
      const Clock::time_point t = Clock::now();
      hash.range_search(1, packed_test.data() + q * 4, radius + 1, &result);
      faiss_micros.push_back(seconds_since(t) * 1e6);
    }
    faiss_row = {{"entries", faiss_size},
                 {"build_s", faiss_build_s},
                 {"bytes_per_entry", static_cast<double>(faiss_bytes) / static_cast<double>(faiss_size)},
                 {"query_us_p50", percentile(faiss_micros, 0.5)},
                 {"query_us_p99", percentile(faiss_micros, 0.99)}};
  }
  const nlohmann::json report = {
      {"entries", size},
      {"real_codes", real.size()},
      {"queries", queries},
      {"radius", radius},
      {"generate_s", generate_s},
      {"build_s", build_s},
      {"table_bytes", table.memory_bytes()},
      {"table_bytes_per_entry", static_cast<double>(table.memory_bytes()) / static_cast<double>(size)},
      {"resident_bytes_added_by_table", rss_after - rss_before},
      {"peak_resident_bytes", peak},
      {"codes_array_bytes", static_cast<int64_t>(codes.size() * 4)},
      {"query_us_p50", percentile(micros, 0.5)},
      {"query_us_p99", percentile(micros, 0.99)},
      {"query_us_mean", std::accumulate(micros.begin(), micros.end(), 0.0) / static_cast<double>(micros.size())},
      {"hits_per_query", static_cast<double>(hits) / static_cast<double>(queries)},
      {"exact_mismatches", mismatches},
      {"scan_s", scan_s},
      {"faiss_binary_hash", faiss_row}};
  std::cout << report.dump() << std::endl;
  return mismatches == 0 ? 0 : 1;
}
