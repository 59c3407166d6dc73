// Time of one all-reduce (sum) of a float buffer across the ranks of a c10d/Gloo process group:
// the per-step communication cost of data-parallel training. Start one copy per rank.
// Usage: allreduce_cost RANK WORLD_SIZE HOST:PORT FLOATS   Rank 0 prints JSON: the best and
// median seconds per all-reduce over 200 calls, and the bus bandwidth 2(W-1)/W * bytes / s.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "latent/train/process_group.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: allreduce_cost RANK WORLD_SIZE HOST:PORT FLOATS\n");
    return 2;
  }
  latent::ProcessGroupOptions options;
  options.rank = std::atoi(argv[1]);
  options.world_size = std::atoi(argv[2]);
  options.master = argv[3];
  const int64_t floats = std::atoll(argv[4]);
  latent::ProcessGroup group(options);
  torch::Tensor buffer = torch::ones({floats});
  for (int i = 0; i < 20; ++i) group.allreduce_sum(buffer);  // connections warm
  std::vector<double> seconds;
  for (int i = 0; i < 200; ++i) {
    auto start = std::chrono::steady_clock::now();
    group.allreduce_sum(buffer);
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  const double w = options.world_size, bytes = 4.0 * static_cast<double>(floats);
  if (options.rank == 0)
    std::printf(
        "{\"floats\": %lld, \"world_size\": %d, \"best_s\": %.6g, \"median_s\": %.6g, \"bus_gbytes_per_s\": %.4g}\n",
        static_cast<long long>(floats), options.world_size, seconds.front(), seconds[seconds.size() / 2],
        2 * (w - 1) / w * bytes / seconds[seconds.size() / 2] / 1e9);
}
