// Measures the sgemm rate this machine gives LibTorch (OpenBLAS underneath) for the shapes of
// the benchmark model's biggest layer: [256 × 784] · [784 × 256]. Prints GFLOP/s (best of
// several timed blocks) as JSON. Usage: sgemm_rate [threads]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "latent/threads.h"

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 0;
  latent::configure_threads(threads);
  torch::manual_seed(0);
  torch::Tensor a = torch::randn({256, 784}), b = torch::randn({784, 256}), c = torch::empty({256, 256});
  constexpr int kReps = 400;
  const double flops = 2.0 * 256 * 784 * 256 * kReps;
  double best = 0;
  for (int block = 0; block < 12; ++block) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kReps; ++i) torch::mm_out(c, a, b);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, flops / seconds / 1e9);
  }
  std::printf("{\"sgemm_gflops\": %.1f, \"threads\": %d}\n", best, threads > 0 ? threads : latent::available_cores());
}
