#include "latent/model/regularizer.h"

#include "latent/runtime/random_draws.h"

namespace latent {

torch::Tensor sparsity_penalty(const torch::Tensor& codes, const SparsitySpec& spec) {
  if (spec.kind == SparsityKind::l1) return spec.weight * codes.abs().mean();
  // Clamped so a dead unit gives a large, finite penalty rather than inf.
  torch::Tensor rho_hat = codes.mean(0).clamp(1e-6, 1 - 1e-6);
  const double rho = spec.rho;
  torch::Tensor kl = rho * torch::log(rho / rho_hat) + (1 - rho) * torch::log((1 - rho) / (1 - rho_hat));
  return spec.weight * kl.mean();
}

torch::Tensor jacobian_sq_closed_form(const torch::Tensor& weight, const torch::Tensor& codes, Activation activation) {
  torch::Tensor slope;
  if (activation == Activation::sigmoid) slope = codes * (1 - codes);
  else if (activation == Activation::tanh) slope = 1 - codes * codes;
  else if (activation == Activation::relu) slope = (codes > 0).to(codes.dtype());
  else slope = torch::ones_like(codes);
  return slope.pow(2).matmul(weight.pow(2).sum(1));
}

torch::Tensor jacobian_sq_exact(const torch::Tensor& x, const torch::Tensor& codes) {
  torch::Tensor total = torch::zeros({x.size(0)}, x.dtype());
  for (int64_t k = 0; k < codes.size(1); ++k) {
    // Images are independent, so the gradient of the column sum holds each image's row k of J.
    torch::Tensor row = torch::autograd::grad({codes.select(1, k).sum()}, {x}, {}, /*retain_graph=*/true)[0];
    total += row.pow(2).sum(1);
  }
  return total;
}

torch::Tensor jacobian_sq_estimate(const torch::Tensor& x, const torch::Tensor& codes) {
  torch::Tensor v = torch::randint(0, 2, codes.sizes(), draw_generator(), codes.options()) * 2 - 1;
  torch::Tensor vjp = torch::autograd::grad({codes}, {x}, {v}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  return vjp.pow(2).sum(1);
}

}  // namespace latent
