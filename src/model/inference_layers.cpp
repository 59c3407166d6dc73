#include "model/inference_layers.h"

#include <algorithm>

#include <ATen/ops/mkldnn_linear.h>

#include "latent/runtime/threads.h"

// LibTorch runs oneDNN on OpenMP threads (libgomp), as many as the calling thread's setting.
extern "C" void omp_set_num_threads(int threads);
extern "C" int omp_get_max_threads();

namespace latent {
namespace {

// latent keeps LibTorch's own threads at one (its training threads are its own); a product here
// takes up to the configured threads for its duration, then the caller's setting is back. A team
// costs more than it saves on a few rows (measured, one row through 784-256-32 from Python: 0.14 ms
// on one thread, 4 ms on two), so each thread gets at least kRowsPerThread rows; oneDNN gives a row
// the same result at any thread count.
constexpr int64_t kRowsPerThread = 64;
struct ProductThreads {
  int before = omp_get_max_threads();
  explicit ProductThreads(int64_t rows) {
    omp_set_num_threads(static_cast<int>(std::clamp<int64_t>(rows / kRowsPerThread, 1, configured_threads())));
  }
  ~ProductThreads() { omp_set_num_threads(before); }
};

torch::Tensor inference_linear(const torch::Tensor& x, torch::nn::LinearImpl& layer) {
  const bool onednn = at::hasMKLDNN() && !torch::GradMode::is_enabled() && x.dim() == 2 && x.size(0) > 0 &&
                      x.scalar_type() == torch::kFloat32 && layer.weight.scalar_type() == torch::kFloat32 &&
                      x.device().is_cpu();
  if (!onednn) return layer.forward(x);
  ProductThreads threads(x.size(0));
  return at::mkldnn_linear(x.contiguous().to_mkldnn(), layer.weight.contiguous(), layer.bias).to_dense();
}

}  // namespace

torch::Tensor inference_forward(torch::nn::Sequential& layers, const torch::Tensor& x) {
  if (torch::GradMode::is_enabled()) return layers->forward(x);
  torch::Tensor out = x;
  for (auto& layer : *layers) {
    if (auto* linear = layer.ptr()->as<torch::nn::LinearImpl>()) out = inference_linear(out, *linear);
    else out = layer.forward(out);
  }
  return out;
}

}  // namespace latent
