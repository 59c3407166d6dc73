#include "latent/model/autoencoder.h"

#include "latent/model/layer_plan.h"
#include "latent/model/regularizer.h"
#include "latent/model/table_loss.h"
#include "latent/runtime/random_draws.h"
#include "model/conv_layers.h"
#include "model/inference_layers.h"

namespace latent {
namespace {
/// log N(z; mean, σ²) summed over the code.
torch::Tensor log_normal(const torch::Tensor& z, const torch::Tensor& mean, const torch::Tensor& logvar) {
  return -0.5 * ((z - mean).pow(2) / logvar.exp() + logvar + std::log(2 * M_PI)).sum(-1);
}
}  // namespace

AutoencoderImpl::AutoencoderImpl(ModelSpec spec) : spec_(std::move(spec)) {
  spec_.validate();
  // Encoder: D → layers... → latent; decoder mirrors it: latent → reversed layers... → D.
  // Arch::conv: strided convolutions first, the dense layers then start from their output.
  ConvDown conv_down = spec_.arch == Arch::conv ? ConvDown(spec_) : ConvDown(nullptr);
  const LayerPlan plan = layer_plan(spec_, conv_down ? conv_down->output_size() : spec_.input_size());
  encoder_ = torch::nn::Sequential();
  if (conv_down) encoder_->push_back(conv_down);
  for (const DenseLayer& layer : plan.encoder) {
    encoder_->push_back(torch::nn::Linear(layer.in, layer.out));
    add_activation(encoder_, layer.activation);
  }
  decoder_ = torch::nn::Sequential();
  for (const DenseLayer& layer : plan.decoder) {
    decoder_->push_back(torch::nn::Linear(layer.in, layer.out));
    add_activation(decoder_, layer.activation);
  }
  if (conv_down) decoder_->push_back(ConvUp(spec_));
  register_module("encoder", encoder_);
  register_module("decoder", decoder_);
}

int64_t parameter_count(const ModelSpec& spec) {
  const bool conv = spec.arch == Arch::conv;
  int64_t count = conv ? conv_parameter_count(spec) : 0;
  const LayerPlan plan = layer_plan(spec, conv ? conv_output_size(spec) : spec.input_size());
  for (const auto* layers : {&plan.encoder, &plan.decoder})
    for (const DenseLayer& layer : *layers) count += (layer.in + 1) * layer.out;
  return count;
}

torch::Tensor AutoencoderImpl::encoder_output(const torch::Tensor& x) {
  return inference_forward(encoder_, spec_.output == Output::table ? observed_input(x) : x);
}

torch::Tensor AutoencoderImpl::encode(const torch::Tensor& x) {
  torch::Tensor out = encoder_output(x);
  if (spec_.code_head == CodeHead::binary) return torch::sigmoid(out);
  return spec_.code_head == CodeHead::gaussian ? split_gaussian(out).mean : out;
}

GaussianCode AutoencoderImpl::posterior(const torch::Tensor& x) {
  TORCH_CHECK(spec_.code_head == CodeHead::gaussian, "posterior() needs a gaussian code head");
  return split_gaussian(encoder_output(x));
}

torch::Tensor AutoencoderImpl::decode_logits(const torch::Tensor& codes) { return inference_forward(decoder_, codes); }

torch::Tensor AutoencoderImpl::decode(const torch::Tensor& codes) {
  torch::Tensor logits = decode_logits(codes);
  if (spec_.output == Output::table) return table_outputs(spec_, logits);
  return spec_.output == Output::sigmoid ? torch::sigmoid(logits) : logits;
}

torch::Tensor AutoencoderImpl::loss(const torch::Tensor& recon_logits, const torch::Tensor& x) const {
  if (spec_.loss == Loss::bce) return torch::binary_cross_entropy_with_logits(recon_logits, x);
  if (spec_.output == Output::table) {
    torch::Tensor errors = table_errors(spec_, recon_logits, x);
    return errors.sum(1).mean() / static_cast<double>(errors.size(1));
  }
  torch::Tensor recon = spec_.output == Output::sigmoid ? torch::sigmoid(recon_logits) : recon_logits;
  return torch::mse_loss(recon, x);
}

torch::Tensor AutoencoderImpl::row_losses(const torch::Tensor& recon_logits, const torch::Tensor& x) const {
  if (spec_.loss == Loss::bce)
    return torch::binary_cross_entropy_with_logits(recon_logits, x, {}, {}, at::Reduction::None).mean(1);
  if (spec_.output == Output::table) return table_errors(spec_, recon_logits, x).mean(1);
  torch::Tensor recon = spec_.output == Output::sigmoid ? torch::sigmoid(recon_logits) : recon_logits;
  return (recon - x).pow(2).mean(1);
}

torch::Tensor AutoencoderImpl::objective(const torch::Tensor& input, const torch::Tensor& target,
                                         bool neighbour_pairs) {
  if (spec_.code_head == CodeHead::gaussian) {
    GaussianCode q = posterior(input);
    if (spec_.iw_train > 1) {
      const torch::Tensor log_w = log_importance_weights(q, target, spec_.iw_train);
      return -(log_w.logsumexp(0) - std::log(static_cast<double>(spec_.iw_train))).mean();
    }
    torch::Tensor nll = reconstruction_nll(spec_, decode_logits(sample_code(q)), target).mean();
    return nll + kl_weight(spec_, is_training() ? epoch_ : 0) * kl_to_prior(q).mean();
  }
  if (spec_.code_head == CodeHead::binary) {
    torch::Tensor logits = encoder_output(input);
    // Training: noisy sigmoid, the noise forcing the units to saturate; otherwise the decoder
    // gets the thresholded bits that search uses, so validation picks the model whose bits are best.
    torch::Tensor codes;
    if (is_training()) {
      torch::Tensor noise = torch::randn(logits.sizes(), draw_generator(), logits.options());
      codes = torch::sigmoid(logits + binary_noise_std(spec_, epoch_) * noise);
    } else {
      codes = (logits > 0).to(logits.scalar_type());
    }
    torch::Tensor total = loss(decode_logits(codes), target) + binary_code_penalty(spec_, codes);
    if (neighbour_pairs) total = total + spec_.neighbour_pull * neighbour_pull_penalty(codes);
    return total;
  }
  if (!spec_.sparsity.active() && spec_.contractive == 0) return loss(decode_logits(encode(input)), target);
  // The contractive estimator differentiates the code with respect to the input, also when the
  // caller (validation) runs without grad.
  const bool input_grad = spec_.contractive > 0 && !has_closed_form_jacobian();
  torch::AutoGradMode grad_mode(torch::GradMode::is_enabled() || input_grad);
  torch::Tensor x = input_grad ? input.detach().requires_grad_(true) : input;
  torch::Tensor codes = encode(x);
  torch::Tensor total = loss(decode_logits(codes), target);
  if (spec_.sparsity.active()) total = total + sparsity_penalty(codes, spec_.sparsity);
  if (spec_.contractive > 0) total = total + spec_.contractive * jacobian_sq(x, codes, false).mean();
  return total;
}

torch::Tensor AutoencoderImpl::log_importance_weights(const GaussianCode& q, const torch::Tensor& target, int64_t draws,
                                                      c10::optional<at::Generator> generator) {
  const int64_t n = q.mean.size(0);
  GaussianCode drawn{q.mean.expand({draws, n, -1}), q.logvar.expand({draws, n, -1})};
  torch::Tensor z = sample_code(drawn, 1.0, generator);
  torch::Tensor logits = decode_logits(z.reshape({draws * n, -1}));
  torch::Tensor log_px = -reconstruction_nll(spec_, logits, target.repeat({draws, 1})).view({draws, n});
  torch::Tensor log_pz = -0.5 * (z.pow(2) + std::log(2 * M_PI)).sum(-1);
  return log_px + log_pz - log_normal(z, drawn.mean, drawn.logvar);
}

bool AutoencoderImpl::has_closed_form_jacobian() const {
  return spec_.arch == Arch::dense && spec_.layers.empty() && spec_.code_head == CodeHead::plain;
}

torch::Tensor AutoencoderImpl::jacobian_sq(const torch::Tensor& x, const torch::Tensor& codes, bool exact) {
  if (has_closed_form_jacobian())
    return jacobian_sq_closed_form(encoder_[0]->as<torch::nn::Linear>()->weight, codes, spec_.code_activation);
  return exact ? jacobian_sq_exact(x, codes) : jacobian_sq_estimate(x, codes);
}

int64_t AutoencoderImpl::parameter_count() const { return latent::parameter_count(spec_); }

}  // namespace latent
