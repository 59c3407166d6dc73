#include "model/inference_layers.h"

#include <ATen/ops/mkldnn_linear.h>

namespace latent {
namespace {

torch::Tensor inference_linear(const torch::Tensor& x, torch::nn::LinearImpl& layer) {
  const bool onednn = at::hasMKLDNN() && !torch::GradMode::is_enabled() && x.dim() == 2 && x.size(0) > 0 &&
                      x.scalar_type() == torch::kFloat32 && layer.weight.scalar_type() == torch::kFloat32 &&
                      x.device().is_cpu();
  if (!onednn) return layer.forward(x);
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
