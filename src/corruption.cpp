#include "latent/corruption.h"

namespace latent {

torch::Tensor corrupt(const torch::Tensor& x, const CorruptionSpec& spec) {
  if (spec.kind == "gaussian") return x + spec.amount * torch::randn_like(x);
  if (spec.kind == "masking") return x * (torch::rand_like(x) >= spec.amount).to(x.dtype());
  if (spec.kind == "saltpepper") {
    torch::Tensor hit = torch::rand_like(x) < spec.amount;
    torch::Tensor salt = (torch::rand_like(x) < 0.5).to(x.dtype());
    return torch::where(hit, salt, x);
  }
  return x;
}

}  // namespace latent
