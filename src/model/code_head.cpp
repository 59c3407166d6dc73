#include "latent/model/code_head.h"

#include <algorithm>
#include <cmath>

#include "latent/base/error.h"
#include "latent/io/regularizer_spec.h"
#include "latent/model/table_loss.h"
#include "latent/runtime/random_draws.h"

namespace latent {

int64_t code_head_width(const ModelSpec& spec) {
  return spec.code_head == CodeHead::gaussian ? 2 * spec.latent : spec.latent;
}

GaussianCode split_gaussian(const torch::Tensor& head_output) {
  auto halves = head_output.chunk(2, 1);
  return {halves[0], halves[1]};
}

torch::Tensor sample_code(const GaussianCode& q, double spread, c10::optional<at::Generator> generator) {
  torch::Tensor eps = torch::randn(q.mean.sizes(), generator ? generator : draw_generator(), q.mean.options());
  return q.mean + (0.5 * q.logvar).exp() * eps * spread;
}

torch::Tensor kl_to_prior(const GaussianCode& q) {
  return 0.5 * (q.mean.pow(2) + q.logvar.exp() - q.logvar - 1).sum(1);
}

torch::Tensor reconstruction_nll(const ModelSpec& spec, const torch::Tensor& recon_logits, const torch::Tensor& x) {
  if (spec.loss == Loss::bce)
    return torch::binary_cross_entropy_with_logits(recon_logits, x, {}, {}, at::Reduction::None).sum(1);
  if (spec.output == Output::table) return table_errors(spec, recon_logits, x).sum(1);
  torch::Tensor recon = spec.output == Output::sigmoid ? torch::sigmoid(recon_logits) : recon_logits;
  return 0.5 * (recon - x).pow(2).sum(1) + 0.5 * std::log(2 * M_PI) * static_cast<double>(x.size(1));
}

double kl_weight(const ModelSpec& spec, int epoch) {
  if (epoch <= 0 || spec.kl_warmup <= 0) return spec.beta;
  return spec.beta * std::min(1.0, static_cast<double>(epoch - 1) / spec.kl_warmup);
}

double binary_noise_std(const ModelSpec& spec, int epoch) {
  if (epoch <= 0) return 0;
  double t = spec.noise_epochs <= 1 ? 1.0 : std::min(1.0, static_cast<double>(epoch - 1) / (spec.noise_epochs - 1));
  return spec.noise_start + (spec.noise_end - spec.noise_start) * t;
}

int first_selectable_epoch(const ModelSpec& spec, int epochs) {
  return spec.code_head == CodeHead::binary ? std::max(1, std::min(spec.noise_epochs, epochs)) : 1;
}

void parse_noise_schedule(const std::string& text, int epochs, ModelSpec& spec) {
  const SettingError usage("noise schedule", "'" + text + "': expected linear:START:END or linear:START:END:EPOCHS");
  if (text.rfind("linear:", 0) != 0) throw usage;
  std::string numbers = text.substr(7);
  std::replace(numbers.begin(), numbers.end(), ':', ',');
  std::vector<double> v = parse_numbers(numbers).value_or(std::vector<double>{});
  if (v.size() < 2 || v.size() > 3) throw usage;
  if (v.size() == 3 && (v[2] != std::floor(v[2]) || v[2] < 1 || v[2] > 1e6)) throw usage;
  spec.noise_start = v[0];
  spec.noise_end = v[1];
  spec.noise_epochs = v.size() == 3 ? static_cast<int>(v[2]) : std::max(1, epochs);
}

torch::Tensor binary_code_penalty(const ModelSpec& spec, const torch::Tensor& codes) {
  torch::Tensor total = torch::zeros({}, codes.options());
  if (spec.bit_balance > 0) total = total + spec.bit_balance * (codes.mean(0) - 0.5).pow(2).sum();
  if (spec.bit_decorrelation > 0 && codes.size(0) > 1) {
    torch::Tensor centred = codes - codes.mean(0, true);
    torch::Tensor cov = centred.t().mm(centred) / static_cast<double>(codes.size(0));
    torch::Tensor inv_std = (cov.diagonal() + 1e-6).rsqrt();
    torch::Tensor corr = cov * inv_std.unsqueeze(0) * inv_std.unsqueeze(1);
    const int64_t bits = codes.size(1);
    torch::Tensor off = corr.pow(2).sum() - corr.diagonal().pow(2).sum();
    total = total + spec.bit_decorrelation * off / static_cast<double>(bits * (bits - 1));
  }
  return total;
}

torch::Tensor neighbour_pull_penalty(const torch::Tensor& codes) {
  auto halves = codes.chunk(2, 0);
  return (halves[0] - halves[1]).pow(2).mean();
}

}  // namespace latent
