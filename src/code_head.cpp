#include "latent/code_head.h"

#include <cmath>

namespace latent {

int64_t code_head_width(const ModelSpec& spec) { return spec.code_head == "gaussian" ? 2 * spec.latent : spec.latent; }

GaussianCode split_gaussian(const torch::Tensor& head_output) {
  auto halves = head_output.chunk(2, 1);
  return {halves[0], halves[1]};
}

torch::Tensor sample_code(const GaussianCode& q, double spread, c10::optional<at::Generator> generator) {
  torch::Tensor eps = torch::randn(q.mean.sizes(), generator, q.mean.options());
  return q.mean + (0.5 * q.logvar).exp() * eps * spread;
}

torch::Tensor kl_to_prior(const GaussianCode& q) {
  return 0.5 * (q.mean.pow(2) + q.logvar.exp() - q.logvar - 1).sum(1);
}

torch::Tensor reconstruction_nll(const ModelSpec& spec, const torch::Tensor& recon_logits, const torch::Tensor& x) {
  if (spec.loss == "bce")
    return torch::binary_cross_entropy_with_logits(recon_logits, x, {}, {}, at::Reduction::None).sum(1);
  torch::Tensor recon = spec.output == "sigmoid" ? torch::sigmoid(recon_logits) : recon_logits;
  return 0.5 * (recon - x).pow(2).sum(1) + 0.5 * std::log(2 * M_PI) * static_cast<double>(x.size(1));
}

double kl_weight(const ModelSpec& spec, int epoch) {
  if (epoch <= 0 || spec.kl_warmup <= 0) return spec.beta;
  return spec.beta * std::min(1.0, static_cast<double>(epoch - 1) / spec.kl_warmup);
}

}  // namespace latent
