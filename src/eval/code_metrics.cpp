#include "latent/eval/code_metrics.h"

#include "latent/base/error.h"
#include "latent/train/corruption.h"

namespace latent {
namespace {

constexpr int64_t kBatch = 1024;
// The exact Jacobian costs one backward pass per code unit: over 1000 colour 64x64 images a conv
// model spent three minutes on it (a dense MNIST model, seconds).
constexpr int64_t kJacobianSamples = 1000, kConvJacobianSamples = 64;

// Per image, peak 1; an exact reconstruction counts as 100 dB rather than infinity.
torch::Tensor psnr_per_image(const torch::Tensor& a, const torch::Tensor& b) {
  return -10.0 * torch::log10((a - b).pow(2).mean(1).clamp_min(1e-10));
}

}  // namespace

nlohmann::json code_metrics(Autoencoder& model, const Dataset& data) {
  double abs_sum = 0, active_sum = 0, jacobian_sum = 0;
  const int64_t jacobian_n =
      std::min(data.size(), model->spec().arch == Arch::conv ? kConvJacobianSamples : kJacobianSamples);
  for (int64_t start = 0; start < data.size(); start += kBatch) {
    const bool jacobian = start < jacobian_n;
    torch::Tensor x = data.rows(start, std::min(start + kBatch, data.size())).detach();
    if (jacobian) x = x.slice(0, 0, std::min(kBatch, jacobian_n - start)).requires_grad_(true);
    torch::Tensor codes = model->encode(x);
    if (jacobian) jacobian_sum += model->jacobian_sq(x, codes, /*exact=*/true).detach().sqrt().sum().item<double>();
    if (jacobian && x.size(0) < std::min(kBatch, data.size() - start)) {
      // The rest of this batch, without gradients.
      torch::NoGradGuard no_grad;
      codes = torch::cat(
          {codes.detach(), model->encode(data.rows(start + x.size(0), std::min(start + kBatch, data.size())))});
    }
    abs_sum += codes.detach().abs().mean(1).sum().item<double>();
    active_sum += (codes.detach().abs() > 0.01).to(torch::kFloat).mean(1).sum().item<double>();
  }
  const double n = static_cast<double>(data.size());
  return {{"code_mean_abs", abs_sum / n},
          {"code_active_fraction", active_sum / n},
          {"jacobian_fro", jacobian_sum / static_cast<double>(jacobian_n)},
          {"jacobian_n", jacobian_n}};
}

nlohmann::json binary_code_metrics(Autoencoder& model, const Dataset& data) {
  torch::NoGradGuard no_grad;
  torch::Tensor ones = torch::zeros({model->spec().latent}, torch::kDouble);
  double saturated = 0;
  for (int64_t start = 0; start < data.size(); start += kBatch) {
    torch::Tensor z = model->encode(data.rows(start, std::min(start + kBatch, data.size())));
    ones += (z > 0.5).to(torch::kDouble).sum(0);
    saturated += ((z < 0.1) | (z > 0.9)).to(torch::kDouble).sum().item<double>();
  }
  torch::Tensor mean = ones / static_cast<double>(data.size());
  std::vector<double> balance(mean.data_ptr<double>(), mean.data_ptr<double>() + mean.numel());
  for (double& b : balance) b = std::round(b * 1e4) / 1e4;
  return {{"bit_balance", balance},
          {"bit_balance_worst", (mean - 0.5).abs().max().item<double>()},
          {"saturation", saturated / static_cast<double>(data.size() * model->spec().latent)}};
}

nlohmann::json denoising_metrics(Autoencoder& model, const Dataset& data, const CorruptionSpec& corruption) {
  if (model->spec().output != Output::sigmoid)
    throw SettingError("corrupt", "needs data in [0,1] (images) to measure PSNR");
  torch::NoGradGuard no_grad;
  double noisy_sum = 0, denoised_sum = 0;
  for (int64_t start = 0; start < data.size(); start += kBatch) {
    torch::Tensor x = data.rows(start, std::min(start + kBatch, data.size()));
    torch::Tensor noisy = corrupt(x, corruption);
    noisy_sum += psnr_per_image(noisy, x).sum().item<double>();
    denoised_sum += psnr_per_image(model->decode(model->encode(noisy)), x).sum().item<double>();
  }
  const double n = static_cast<double>(data.size());
  return {{"corrupt", corruption.str()}, {"psnr_noisy_db", noisy_sum / n}, {"psnr_denoised_db", denoised_sum / n}};
}

}  // namespace latent
