#include "latent/eval/variational_eval.h"

#include <cmath>

#include "latent/base/error.h"
#include "latent/base/progress.h"

namespace latent {
namespace {
// Decoder rows per batch (images × importance samples): small enough that the temporaries are
// reused from the allocator's free lists, not fresh pages from the kernel (8,192 rows of 784
// took 1.8× the time, a third of it clearing pages).
constexpr int64_t kRowsPerPass = 1024;
}  // namespace

torch::Tensor negative_elbo(Autoencoder& model, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  GaussianCode q = model->posterior(x);
  return reconstruction_nll(model->spec(), model->decode_logits(sample_code(q)), x) + kl_to_prior(q);
}

torch::Tensor negative_elbo(Autoencoder& model, const torch::Tensor& x, int64_t draws, at::Generator generator) {
  torch::NoGradGuard no_grad;
  GaussianCode q = model->posterior(x);
  torch::Tensor total = kl_to_prior(q) * static_cast<double>(draws);
  for (int64_t d = 0; d < draws; ++d)
    total += reconstruction_nll(model->spec(), model->decode_logits(sample_code(q, 1.0, generator)), x);
  return total / static_cast<double>(draws);
}

torch::Tensor importance_sampled_nll(Autoencoder& model, const torch::Tensor& x, int64_t samples) {
  if (samples < 1) throw SettingError("iw samples", "must be at least 1");
  torch::NoGradGuard no_grad;
  const int64_t images_per_pass = std::max<int64_t>(1, kRowsPerPass / samples);
  std::vector<torch::Tensor> parts;
  Progress progress("nll_is: " + std::to_string(samples) + " importance samples per image", x.size(0));
  for (int64_t start = 0; start < x.size(0); start += images_per_pass) {
    progress.update(start);
    torch::Tensor xb = x.slice(0, start, std::min(start + images_per_pass, x.size(0)));
    const int64_t n = xb.size(0);
    GaussianCode q = model->posterior(xb);
    // K draws for each image, decoded in chunks of at most kRowsPerPass rows.
    std::vector<torch::Tensor> log_w;
    const int64_t k_per_pass = std::max<int64_t>(1, kRowsPerPass / n);
    for (int64_t k0 = 0; k0 < samples; k0 += k_per_pass)
      log_w.push_back(model->log_importance_weights(q, xb, std::min(k_per_pass, samples - k0)));
    parts.push_back(std::log(static_cast<double>(samples)) - torch::cat(log_w).logsumexp(0));
  }
  progress.finish();
  return torch::cat(parts);
}

nlohmann::json evaluate_variational(Autoencoder& model, const Dataset& data, int64_t iw_samples) {
  if (model->spec().code_head != CodeHead::gaussian)
    throw Error("variational metrics need a variational autoencoder (type vae)");
  torch::NoGradGuard no_grad;
  model->eval();
  constexpr int64_t kBatch = 2048;
  double neg_elbo = 0, loss_mean = 0;
  for (int64_t start = 0; start < data.size(); start += kBatch) {
    torch::Tensor x = data.rows(start, std::min(start + kBatch, data.size()));
    neg_elbo += negative_elbo(model, x).sum().item<double>();
    GaussianCode q = model->posterior(x);
    loss_mean +=
        (reconstruction_nll(model->spec(), model->decode_logits(q.mean), x) + kl_to_prior(q)).sum().item<double>();
  }
  const double n = static_cast<double>(data.size());
  nlohmann::json report = {{"elbo", -neg_elbo / n}, {"loss_z_mean", loss_mean / n}};
  if (iw_samples > 0) {
    report["nll_is"] = importance_sampled_nll(model, data.inputs(), iw_samples).mean().item<double>();
    report["iw_samples"] = iw_samples;
  }
  return report;
}

}  // namespace latent
