#include "latent/autoencoder.h"

namespace latent {
namespace {

void add_activation(torch::nn::Sequential& seq, const std::string& name) {
  if (name == "relu") seq->push_back(torch::nn::ReLU());
  else if (name == "sigmoid") seq->push_back(torch::nn::Sigmoid());
  else if (name == "tanh") seq->push_back(torch::nn::Tanh());
  else if (name == "selu") seq->push_back(torch::nn::SELU());
  // "linear": nothing
}

}  // namespace

AutoencoderImpl::AutoencoderImpl(ModelSpec spec) : spec_(std::move(spec)) {
  spec_.validate();
  // Encoder: D → layers... → latent; decoder mirrors it: latent → reversed layers... → D.
  std::vector<int64_t> widths = {spec_.input_size()};
  widths.insert(widths.end(), spec_.layers.begin(), spec_.layers.end());
  widths.push_back(spec_.latent);
  encoder_ = torch::nn::Sequential();
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    int64_t out = i + 2 == widths.size() ? code_head_width(spec_) : widths[i + 1];
    encoder_->push_back(torch::nn::Linear(widths[i], out));
    add_activation(encoder_, i + 2 == widths.size() ? spec_.code_activation : spec_.activation);
  }
  decoder_ = torch::nn::Sequential();
  for (size_t i = widths.size() - 1; i > 0; --i) {
    decoder_->push_back(torch::nn::Linear(widths[i], widths[i - 1]));
    if (i > 1) add_activation(decoder_, spec_.activation);
  }
  register_module("encoder", encoder_);
  register_module("decoder", decoder_);
}

torch::Tensor AutoencoderImpl::encode(const torch::Tensor& x) {
  torch::Tensor out = encoder_->forward(x);
  return spec_.code_head == "gaussian" ? split_gaussian(out).mean : out;
}

GaussianCode AutoencoderImpl::posterior(const torch::Tensor& x) {
  TORCH_CHECK(spec_.code_head == "gaussian", "posterior() needs a gaussian code head");
  return split_gaussian(encoder_->forward(x));
}

torch::Tensor AutoencoderImpl::decode_logits(const torch::Tensor& codes) { return decoder_->forward(codes); }

torch::Tensor AutoencoderImpl::decode(const torch::Tensor& codes) {
  torch::Tensor logits = decode_logits(codes);
  return spec_.output == "sigmoid" ? torch::sigmoid(logits) : logits;
}

torch::Tensor AutoencoderImpl::loss(const torch::Tensor& recon_logits, const torch::Tensor& x) const {
  if (spec_.loss == "bce") return torch::binary_cross_entropy_with_logits(recon_logits, x);
  torch::Tensor recon = spec_.output == "sigmoid" ? torch::sigmoid(recon_logits) : recon_logits;
  return torch::mse_loss(recon, x);
}

torch::Tensor AutoencoderImpl::objective(const torch::Tensor& input, const torch::Tensor& target) {
  if (spec_.code_head == "gaussian") {
    GaussianCode q = posterior(input);
    torch::Tensor nll = reconstruction_nll(spec_, decode_logits(sample_code(q)), target).mean();
    return nll + kl_weight(spec_, is_training() ? epoch_ : 0) * kl_to_prior(q).mean();
  }
  return loss(decode_logits(encode(input)), target);
}

int64_t AutoencoderImpl::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

}  // namespace latent
