#pragma once
// The autoencoder: encoder → code → decoder, built from a ModelSpec.
// Shapes: x [N, D] normalised inputs; codes [N, latent]; recon_logits [N, D] before the
// output activation (sigmoid for [0,1] data, identity for standardised data).
#include <torch/torch.h>

#include "latent/io/model_spec.h"
#include "latent/model/code_head.h"

namespace latent {

class AutoencoderImpl : public torch::nn::Module {
 public:
  explicit AutoencoderImpl(ModelSpec spec);

  /// The code; for a gaussian head its mean (deterministic, for encode and search).
  torch::Tensor encode(const torch::Tensor& x);
  /// q(z|x) of a gaussian head (TORCH_CHECKs that the head is gaussian).
  GaussianCode posterior(const torch::Tensor& x);
  torch::Tensor decode_logits(const torch::Tensor& codes);
  /// Reconstruction in normalised data space (output activation applied).
  torch::Tensor decode(const torch::Tensor& codes);
  /// Mean loss per element (BCE on logits, or MSE on outputs) between recon_logits and x; for a
  /// table, the mean per row of table_errors summed, over the number of columns.
  torch::Tensor loss(const torch::Tensor& recon_logits, const torch::Tensor& x) const;
  /// The same loss for each row on its own, [N]: loss() is their mean.
  torch::Tensor row_losses(const torch::Tensor& recon_logits, const torch::Tensor& x) const;
  /// The training objective the Trainer minimises: reconstruct `target` from `input` (the same
  /// tensor unless the input was corrupted on purpose), plus any penalty the spec adds.
  /// A gaussian head: reconstruction NLL + kl_weight·KL, summed over pixels and averaged over
  /// images, with z drawn from torch's default generator; with iw_train K > 1, minus the IWAE
  /// bound log-mean-exp_k of log_importance_weights instead.
  /// neighbour_pairs (binary head, training): rows i and i + N/2 are an image and one of its
  /// pixel-space neighbours, and the spec's neighbour_pull term is added.
  torch::Tensor objective(const torch::Tensor& input, const torch::Tensor& target, bool neighbour_pairs = false);
  /// log p(target, z_k) − log q(z_k|input) for `draws` codes z_k ~ q per image, [draws, N],
  /// differentiable through the reparameterised draws (from `generator`, else draw_generator()).
  /// log-mean-exp over k bounds log p(target) from below, more tightly as draws grow.
  torch::Tensor log_importance_weights(const GaussianCode& q, const torch::Tensor& target, int64_t draws,
                                       c10::optional<at::Generator> generator = c10::nullopt);
  /// Squared Frobenius norm of d code / d input per image, [N], given codes = encode(x) computed
  /// with x requiring grad. Closed form (exact) for a one-layer dense encoder; otherwise exact
  /// (one backward pass per code unit) when `exact`, else an unbiased one-probe estimate that
  /// can be differentiated (for training).
  torch::Tensor jacobian_sq(const torch::Tensor& x, const torch::Tensor& codes, bool exact);
  bool has_closed_form_jacobian() const;
  /// The training epoch (1-based) the next objective() calls belong to: sets the KL warm-up
  /// weight and the binary head's noise. Evaluation mode always uses the full weight, no noise.
  void set_epoch(int epoch) { epoch_ = epoch; }
  int epoch() const { return epoch_; }

  const ModelSpec& spec() const { return spec_; }
  int64_t parameter_count() const;

 private:
  /// The encoder's output for x (a table's missing cells read as 0).
  torch::Tensor encoder_output(const torch::Tensor& x);
  ModelSpec spec_;
  int epoch_ = 0;
  torch::nn::Sequential encoder_{nullptr};
  torch::nn::Sequential decoder_{nullptr};
};
TORCH_MODULE(Autoencoder);

/// How many parameters Autoencoder(spec) has, computed without building it.
int64_t parameter_count(const ModelSpec& spec);

}  // namespace latent
