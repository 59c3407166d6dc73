#include "latent/apps/generate.h"

#include <ATen/CPUGeneratorImpl.h>

#include "latent/base/error.h"

namespace latent {
namespace {

void require_gaussian(const Autoencoder& model, const char* what) {
  if (model->spec().code_head != CodeHead::gaussian)
    throw Error(std::string(what) + " needs a variational autoencoder (train it with --type vae)");
}

/// Eval mode without a write when the model is in it already: `latent serve` shares one model
/// between request threads, and eval() writes every module's flag.
void ensure_eval(Autoencoder& model) {
  if (model->is_training()) model->eval();
}

}  // namespace

torch::Tensor sample_prior(Autoencoder& model, int64_t count, uint64_t seed) {
  require_gaussian(model, "sampling the prior");
  torch::NoGradGuard no_grad;
  ensure_eval(model);
  at::Generator generator = at::detail::createCPUGenerator(seed);
  return model->decode(torch::randn({count, model->spec().latent}, generator));
}

torch::Tensor sample_variations(Autoencoder& model, const torch::Tensor& x, int64_t count, double spread,
                                uint64_t seed) {
  require_gaussian(model, "variations");
  if (!(spread >= 0) || !std::isfinite(spread)) throw SettingError("spread", "must be >= 0");
  torch::NoGradGuard no_grad;
  ensure_eval(model);
  GaussianCode q = model->posterior(x);
  q = {q.mean.expand({count, -1}), q.logvar.expand({count, -1})};
  at::Generator generator = at::detail::createCPUGenerator(seed);
  return model->decode(sample_code(q, spread, generator));
}

torch::Tensor interpolate(Autoencoder& model, const torch::Tensor& a, const torch::Tensor& b, int64_t steps) {
  if (steps < 2) throw SettingError("steps", "must be at least 2");
  torch::NoGradGuard no_grad;
  ensure_eval(model);
  torch::Tensor t = torch::linspace(0, 1, steps).unsqueeze(1);
  return model->decode(model->encode(a) * (1 - t) + model->encode(b) * t);
}

}  // namespace latent
