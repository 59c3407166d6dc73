// 10,000,000 float codes: exact search (CodeIndex flat) against the inverted files `latent index
// build --ivf NLIST [--pq M]` makes (CodeIndex::build_ivf), recall@10 against the exact answer
// and µs per query, one query at a time, on one thread.
// The database: the 60,000 real MNIST train codes, then codes sampled around them (replica i is
// real code i mod 60,000 plus Gaussian noise of --noise × each dimension's std; seed 7).
// Queries: the first --queries real test codes.
// Usage: ivf_scale TRAIN.npy TEST.npy [--size N] [--queries Q] [--lists L] [--noise S] [--pq M]
//        (--pq: the IVF-PQ bytes a code, 16 by default; 0 leaves IVF-PQ out)
// Prints one JSON object.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "bench_clock.h"
#include "latent/io/matrix_file.h"
#include "latent/search/code_index.h"

namespace {

using latent::bench::Clock;
using latent::bench::percentile;
using latent::bench::seconds_since;

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: ivf_scale TRAIN.npy TEST.npy [--size N] [--queries Q] [--lists L] [--noise S]\n";
    return 2;
  }
  int64_t size = 10000000, queries = 1000, lists = 4096, pq_bytes = 16;
  double noise = 0.25;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--size") size = std::stoll(argv[i + 1]);
    else if (flag == "--queries") queries = std::stoll(argv[i + 1]);
    else if (flag == "--lists") lists = std::stoll(argv[i + 1]);
    else if (flag == "--noise") noise = std::stod(argv[i + 1]);
    else if (flag == "--pq") pq_bytes = std::stoll(argv[i + 1]);
    else {
      std::cerr << "ivf_scale: unknown option " << flag << "\n";
      return 2;
    }
  }
  const latent::Matrix train = latent::read_matrix(argv[1]), test = latent::read_matrix(argv[2]);
  const int64_t dims = train.cols;
  queries = std::min(queries, test.rows);
  size = std::max(size, train.rows);
  std::vector<double> stddev(static_cast<size_t>(dims));
  for (int64_t d = 0; d < dims; ++d) {
    double sum = 0, squares = 0;
    for (int64_t i = 0; i < train.rows; ++i) {
      const double v = train.values[static_cast<size_t>(i * dims + d)];
      sum += v;
      squares += v * v;
    }
    const double mean = sum / static_cast<double>(train.rows);
    stddev[static_cast<size_t>(d)] = std::sqrt(std::max(0.0, squares / static_cast<double>(train.rows) - mean * mean));
  }
  std::vector<float> codes(static_cast<size_t>(size * dims));
  std::copy(train.values.begin(), train.values.end(), codes.begin());
  std::mt19937_64 rng(7);
  std::normal_distribution<float> normal;
  for (int64_t i = train.rows; i < size; ++i)
    for (int64_t d = 0; d < dims; ++d)
      codes[static_cast<size_t>(i * dims + d)] =
          train.values[static_cast<size_t>((i % train.rows) * dims + d)] +
          static_cast<float>(noise * stddev[static_cast<size_t>(d)]) * normal(rng);
  const std::vector<float> query(test.values.begin(), test.values.begin() + queries * dims);

  Clock::time_point t = Clock::now();
  const latent::CodeIndex exact = latent::CodeIndex::build(codes, dims, latent::IndexInfo{}, false);
  const double exact_build_s = seconds_since(t);
  const auto truth = exact.search(query.data(), queries, 10);  // batched: the answer to compare with
  omp_set_num_threads(1);
  std::vector<double> exact_us;
  for (int64_t q = 0; q < std::min<int64_t>(queries, 100); ++q) {
    t = Clock::now();
    exact.search(query.data() + q * dims, 1, 10);
    exact_us.push_back(seconds_since(t) * 1e6);
  }
  const double exact_p50 = percentile(exact_us, 0.5);
  nlohmann::json rows = nlohmann::json::array();
  for (int64_t pq : {int64_t{0}, pq_bytes}) {
    if (pq == 0 && !rows.empty()) break;
    omp_set_num_threads(2);
    t = Clock::now();
    const latent::CodeIndex ivf = latent::CodeIndex::build_ivf(codes, dims, latent::IndexInfo{}, lists, pq);
    const double build_s = seconds_since(t);
    omp_set_num_threads(1);
    for (int64_t nprobe : {8, 16, 32}) {
      std::vector<double> micros;
      double found = 0;
      for (int64_t q = 0; q < queries; ++q) {
        t = Clock::now();
        const auto hits = ivf.search(query.data() + q * dims, 1, 10, nprobe).front();
        micros.push_back(seconds_since(t) * 1e6);
        for (const latent::SearchHit& w : truth[static_cast<size_t>(q)])
          found += std::any_of(hits.begin(), hits.end(), [&](const latent::SearchHit& h) { return h.id == w.id; });
      }
      rows.push_back({{"kind", pq > 0 ? "ivfpq" : "ivf"},
                      {"pq_bytes", pq},
                      {"lists", lists},
                      {"nprobe", nprobe},
                      {"build_s", build_s},
                      {"recall_at_10", found / static_cast<double>(queries * 10)},
                      {"query_us_p50", percentile(micros, 0.5)},
                      {"query_us_p99", percentile(micros, 0.99)},
                      {"speedup_vs_exact", exact_p50 / percentile(micros, 0.5)}});
      std::cerr << rows.back().dump() << "\n";
    }
  }
  std::cout << nlohmann::json{{"entries", size},
                              {"dims", dims},
                              {"real_codes", train.rows},
                              {"queries", queries},
                              {"noise", noise},
                              {"exact_build_s", exact_build_s},
                              {"exact_query_us_p50", exact_p50},
                              {"exact_query_us_p99", percentile(exact_us, 0.99)},
                              {"inverted_files", rows}}
                   .dump()
            << std::endl;
}
