#include "model/inference_layers.h"

#include <algorithm>
#include <optional>

#include <ATen/ops/mkldnn_linear.h>

#include "latent/base/worker_pool.h"
#include "latent/runtime/threads.h"
#include "model/dense_kernels.h"
#include "model/dense_product.h"

// LibTorch runs oneDNN on OpenMP threads (libgomp), as many as the calling thread's setting.
extern "C" void omp_set_num_threads(int threads);
extern "C" int omp_get_max_threads();

namespace latent {
namespace {

// A team costs more than it saves on a few rows (measured, one row through 784-256-32 from
// Python: 0.14 ms on one thread, 4 ms on two), so each thread gets at least kRowsPerThread rows;
// oneDNN gives a row the same result at any thread count.
constexpr int64_t kRowsPerThread = 64;
int threads_for(int64_t rows) {
  return static_cast<int>(std::clamp<int64_t>(rows / kRowsPerThread, 1, configured_threads()));
}

// The calling thread's OpenMP threads for one scope, then its setting is back.
struct OpenMpThreads {
  int before = omp_get_max_threads();
  explicit OpenMpThreads(int threads) { omp_set_num_threads(threads); }
  ~OpenMpThreads() { omp_set_num_threads(before); }
};

// A Sequential that is dense layers only: Linear, then at most one elementwise activation.
struct DenseChain {
  struct Layer {
    torch::nn::LinearImpl* linear;
    Activation activation = Activation::linear;
  };
  std::vector<Layer> layers;
};

std::optional<Activation> activation_of(const torch::nn::Module& module) {
  if (module.as<torch::nn::ReLUImpl>()) return Activation::relu;
  if (module.as<torch::nn::SigmoidImpl>()) return Activation::sigmoid;
  if (module.as<torch::nn::TanhImpl>()) return Activation::tanh;
  if (module.as<torch::nn::SELUImpl>()) return Activation::selu;
  return std::nullopt;
}

std::optional<DenseChain> dense_chain(torch::nn::Sequential& layers) {
  DenseChain chain;
  for (auto& item : *layers) {
    torch::nn::Module& module = *item.ptr();
    if (auto* linear = module.as<torch::nn::LinearImpl>()) {
      if (linear->weight.scalar_type() != torch::kFloat32 || !linear->weight.device().is_cpu() ||
          !linear->weight.is_contiguous() || !linear->bias.defined() || !linear->bias.is_contiguous())
        return std::nullopt;
      chain.layers.push_back({linear});
      continue;
    }
    const std::optional<Activation> activation = activation_of(module);
    if (!activation || chain.layers.empty() || chain.layers.back().activation != Activation::linear)
      return std::nullopt;
    chain.layers.back().activation = *activation;
  }
  if (chain.layers.empty()) return std::nullopt;
  return chain;
}

// The whole chain, a block of rows at a time, each thread its own rows start to end: no team
// waits between layers, and a block's activations stay in the cache from one layer to the next.
torch::Tensor chain_forward(const DenseChain& chain, const torch::Tensor& input) {
  constexpr int64_t kBlockRows = 256;
  const torch::Tensor x = input.contiguous();
  const int64_t rows = x.size(0), width = x.size(1);
  torch::Tensor out = torch::empty({rows, chain.layers.back().linear->weight.size(0)});
  const float* in_all = x.data_ptr<float>();
  float* out_all = out.data_ptr<float>();
  const auto part = [&](int t, int parts) {
    OpenMpThreads one(1);
    thread_local std::vector<float> ping, pong;
    const auto [begin, end] = part_of(rows, t, parts);
    for (int64_t start = begin; start < end; start += kBlockRows) {
      const int64_t n = std::min(kBlockRows, end - start);
      const float* below = in_all + start * width;
      int64_t below_width = width;
      for (size_t l = 0; l < chain.layers.size(); ++l) {
        const torch::nn::LinearImpl& linear = *chain.layers[l].linear;
        const int64_t units = linear.weight.size(0);
        float* dst;
        if (l + 1 == chain.layers.size()) {
          dst = out_all + start * units;
        } else {
          std::vector<float>& buffer = l % 2 == 0 ? ping : pong;
          buffer.resize(static_cast<size_t>(n * units));
          dst = buffer.data();
        }
        row_product(n, units, below_width, below, linear.weight.data_ptr<float>(), dst);
        bias_activation(dst, linear.bias.data_ptr<float>(), n, units, chain.layers[l].activation);
        below = dst;
        below_width = units;
      }
    }
  };
  const int parts = threads_for(rows);
  // Another job on the pool (a server's other request, or this is one of its parts): this
  // thread's share is all of it.
  if (parts == 1 || !training_pool().try_run([&](int t) {
        if (t < parts) part(t, parts);
      }))
    part(0, 1);
  return out;
}

torch::Tensor inference_linear(const torch::Tensor& x, torch::nn::LinearImpl& layer) {
  const bool onednn = at::hasMKLDNN() && x.dim() == 2 && x.size(0) > 0 && x.scalar_type() == torch::kFloat32 &&
                      layer.weight.scalar_type() == torch::kFloat32 && x.device().is_cpu();
  if (!onednn) return layer.forward(x);
  OpenMpThreads threads(threads_for(x.size(0)));
  return at::mkldnn_linear(x.contiguous().to_mkldnn(), layer.weight.contiguous(), layer.bias).to_dense();
}

}  // namespace

torch::Tensor inference_forward(torch::nn::Sequential& layers, const torch::Tensor& x) {
  if (torch::GradMode::is_enabled()) return layers->forward(x);
  if (x.dim() == 2 && x.size(0) > 0 && x.scalar_type() == torch::kFloat32 && x.device().is_cpu())
    if (const std::optional<DenseChain> chain = dense_chain(layers)) return chain_forward(*chain, x);
  torch::Tensor out = x;
  for (auto& layer : *layers) {
    if (auto* linear = layer.ptr()->as<torch::nn::LinearImpl>()) out = inference_linear(out, *linear);
    else out = layer.forward(out);
  }
  return out;
}

}  // namespace latent
