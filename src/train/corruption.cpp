#include "latent/train/corruption.h"

#include "latent/runtime/random_draws.h"

namespace latent {

torch::Tensor corrupt(const torch::Tensor& x, const CorruptionSpec& spec) {
  auto uniform = [&] { return torch::rand(x.sizes(), draw_generator(), x.options()); };
  if (spec.kind == CorruptionKind::gaussian)
    return x + spec.amount * torch::randn(x.sizes(), draw_generator(), x.options());
  if (spec.kind == CorruptionKind::masking) return x * (uniform() >= spec.amount).to(x.dtype());
  if (spec.kind == CorruptionKind::saltpepper) {
    torch::Tensor hit = uniform() < spec.amount;
    torch::Tensor salt = (uniform() < 0.5).to(x.dtype());
    return torch::where(hit, salt, x);
  }
  return x;
}

torch::Tensor training_objective(Autoencoder& model, const torch::Tensor& x, bool neighbour_pairs) {
  return model->objective(corrupt(x, model->spec().corrupt), x, neighbour_pairs);
}

}  // namespace latent
