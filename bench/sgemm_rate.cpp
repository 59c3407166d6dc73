// The machine's matrix-multiply rate, the yardstick of bench/train_throughput.sh, measured on
// the GEMMs one training step of a dense autoencoder runs through latent's default dense passes
// (src/dense_gradient.cpp): the batch split over THREADS pool threads, each running, with
// single-threaded BLAS on its own rows, per layer the forward product, the weight gradient and
// (for every layer but the first) the input gradient, with the same shapes and transposes.
// The step is timed twice: in OpenBLAS (what LibTorch's products run in here) and in oneDNN's
// sgemm (what the dense passes run in); step_gflops is the faster, the machine's ceiling for these
// shapes. Also the older yardstick: one THREADS-thread OpenBLAS GEMM of the first layer's size,
// [BATCH × in] · [in × out]. Best of several timed blocks each, data in cache, printed as JSON.
// Usage: sgemm_rate THREADS BATCH WIDTH... (the layer widths, e.g. 2 256 784 256 32 256 784)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include <oneapi/dnnl/dnnl.h>

#include "latent/base/worker_pool.h"
#include "latent/runtime/threads.h"

extern "C" void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a,
                            int lda, const float* b, int ldb, float beta, float* c, int ldc);

extern "C" void omp_set_num_threads(int threads);

namespace {
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112, kBlocks = 12;

// C = op(A) · op(B), row-major, on this thread alone, in OpenBLAS or oneDNN.
void gemm(bool onednn, bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda, const float* b,
          int ldb, float* c, int ldc) {
  if (onednn) dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
  else
    cblas_sgemm(kRowMajor, trans_a ? kTrans : kNoTrans, trans_b ? kTrans : kNoTrans, m, n, k, 1.0f, a, lda, b, ldb,
                0.0f, c, ldc);
}

std::vector<float> filled(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> uniform(-1, 1);
  std::vector<float> v(n);
  for (float& x : v) x = uniform(rng);
  return v;
}

// Best GFLOP/s of kBlocks runs of `block`, which does `flops` of work.
template <class Block>
double best_rate(double flops, Block block) {
  double best = 0;
  for (int i = 0; i < kBlocks; ++i) {
    auto start = std::chrono::steady_clock::now();
    block();
    best =
        std::max(best, flops / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 1e9);
  }
  return best;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: sgemm_rate THREADS BATCH WIDTH... (at least two widths)\n");
    return 2;
  }
  const int threads = std::atoi(argv[1]), batch = std::atoi(argv[2]);
  std::vector<int> widths;
  for (int i = 3; i < argc; ++i) widths.push_back(std::atoi(argv[i]));
  if (threads <= 0 || batch < threads || *std::min_element(widths.begin(), widths.end()) <= 0) {
    std::fprintf(stderr, "sgemm_rate: THREADS and the widths must be positive numbers, BATCH at least THREADS\n");
    return 2;
  }
  const size_t layers = widths.size() - 1;
  latent::configure_threads(threads);
  std::mt19937 rng(0);

  // The older yardstick, with OpenBLAS's own THREADS threads.
  std::vector<float> a = filled(static_cast<size_t>(batch) * widths[0], rng), b = filled(widths[0] * widths[1], rng),
                     c(static_cast<size_t>(batch) * widths[1]);
  constexpr int kBigReps = 100;
  const double big_gflops = best_rate(2.0 * batch * widths[0] * widths[1] * kBigReps, [&] {
    for (int i = 0; i < kBigReps; ++i)
      cblas_sgemm(kRowMajor, kNoTrans, kNoTrans, batch, widths[1], widths[0], 1.0f, a.data(), widths[0], b.data(),
                  widths[1], 0.0f, c.data(), widths[1]);
  });

  // The step: weights shared (as the model's are), each thread with its own activations,
  // deltas and weight gradients. Shard t has rows batch·t/T .. batch·(t+1)/T, as in training.
  latent::set_blas_threads(1);
  std::vector<std::vector<float>> weights;
  for (size_t l = 0; l < layers; ++l) weights.push_back(filled(static_cast<size_t>(widths[l + 1]) * widths[l], rng));
  struct Shard {
    int rows;
    std::vector<std::vector<float>> activations, weight_grads;  // activations[l]: [rows, widths[l]]
    std::vector<float> delta, below_delta;
  };
  std::vector<Shard> shards(static_cast<size_t>(threads));
  int widest = 0;
  for (int w : widths) widest = std::max(widest, w);
  double step_flops = 0;  // 2 per multiply-add, the whole batch
  for (int t = 0; t < threads; ++t) {
    Shard& s = shards[static_cast<size_t>(t)];
    s.rows =
        static_cast<int>(static_cast<int64_t>(batch) * (t + 1) / threads - static_cast<int64_t>(batch) * t / threads);
    for (int w : widths) s.activations.push_back(filled(static_cast<size_t>(s.rows) * w, rng));
    for (size_t l = 0; l < layers; ++l) s.weight_grads.emplace_back(static_cast<size_t>(widths[l + 1]) * widths[l]);
    s.delta = filled(static_cast<size_t>(s.rows) * widest, rng);
    s.below_delta.resize(s.delta.size());
  }
  for (size_t l = 0; l < layers; ++l) step_flops += 2.0 * batch * widths[l] * widths[l + 1] * (l == 0 ? 2 : 3);

  auto step = [&](Shard& s, bool onednn) {
    const int m = s.rows;
    for (size_t l = 0; l < layers; ++l) {  // forward: Z = H · Wᵀ
      const int in = widths[l], out = widths[l + 1];
      gemm(onednn, false, true, m, out, in, s.activations[l].data(), in, weights[l].data(), in,
           s.activations[l + 1].data(), out);
    }
    for (size_t l = layers; l-- > 0;) {  // backward: dW = δᵀ · H, then δ · W (not for the input)
      const int in = widths[l], out = widths[l + 1];
      gemm(onednn, true, false, out, in, m, s.delta.data(), out, s.activations[l].data(), in, s.weight_grads[l].data(),
           in);
      if (l > 0)
        gemm(onednn, false, false, m, in, out, s.delta.data(), out, weights[l].data(), in, s.below_delta.data(), in);
    }
  };
  latent::WorkerPool& pool = latent::training_pool();
  constexpr int kSteps = 20;
  auto step_rate = [&](bool onednn) {
    return best_rate(step_flops * kSteps, [&] {
      pool.run([&](int t) {
        omp_set_num_threads(1);
        for (int i = 0; i < kSteps; ++i) step(shards[static_cast<size_t>(t)], onednn);
      });
    });
  };
  const double openblas = step_rate(false), onednn = step_rate(true);
  std::printf(
      "{\"step_gflops\": %.1f, \"step_gflops_openblas\": %.1f, \"step_gflops_onednn\": %.1f, "
      "\"big_gemm_gflops\": %.1f, \"threads\": %d}\n",
      std::max(openblas, onednn), openblas, onednn, big_gflops, threads);
}
