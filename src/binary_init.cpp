#include "latent/binary_init.h"

#include "latent/retrieval_baselines.h"

namespace latent {
namespace {
// The last Linear under "encoder" and the first under "decoder".
std::pair<torch::nn::LinearImpl*, torch::nn::LinearImpl*> code_and_first_decoder_layer(Autoencoder& model) {
  torch::nn::LinearImpl *code = nullptr, *decoder = nullptr;
  for (const auto& item : model->named_modules()) {
    auto* linear = item.value()->as<torch::nn::LinearImpl>();
    if (!linear) continue;
    if (item.key().rfind("encoder.", 0) == 0) code = linear;
    if (item.key().rfind("decoder.", 0) == 0 && !decoder) decoder = linear;
  }
  return {code, decoder};
}
}  // namespace

bool align_binary_code_with_itq(Autoencoder& from, Autoencoder& to, const torch::Tensor& x, uint64_t seed) {
  const ModelSpec &source = from->spec(), &target = to->spec();
  if (source.code_head != "plain" || target.code_head != "binary" || source.latent != target.latent ||
      source.arch != "dense" || target.arch != "dense")
    return false;
  auto [code, decoder] = code_and_first_decoder_layer(to);
  if (!code || !decoder || code->weight.size(0) != target.latent || decoder->weight.size(1) != target.latent) return false;
  torch::NoGradGuard no_grad;
  from->eval();
  torch::Tensor codes = from->encode(x).to(torch::kDouble);
  ItqFit itq = fit_itq(codes, target.latent, seed);
  torch::Tensor turn = itq.axes.mm(itq.rotation);  // [latent, latent], orthogonal (all axes kept)
  torch::Tensor mean = itq.mean.squeeze(0);
  torch::Tensor spread = (codes - itq.mean).mm(turn).abs().mean(0);  // mean |rotated value| per bit
  // Logits = (W x + b − mean) · turn: the code layer's rows mixed by turnᵀ.
  torch::Tensor w = code->weight.to(torch::kDouble), b = code->bias.to(torch::kDouble);
  code->weight.copy_(turn.t().mm(w));
  code->bias.copy_(turn.t().mv(b - mean));
  // The decoder sees bits β ∈ {0,1}; the float code they stand for is mean + turn · (spread ⊙ (2β − 1)).
  torch::Tensor wd = decoder->weight.to(torch::kDouble), bd = decoder->bias.to(torch::kDouble);
  torch::Tensor back = turn * (2 * spread).unsqueeze(0);  // turn · diag(2 spread)
  decoder->weight.copy_(wd.mm(back));
  decoder->bias.copy_(bd + wd.mv(mean - turn.mv(spread)));
  return true;
}

}  // namespace latent
