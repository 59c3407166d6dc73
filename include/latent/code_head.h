#pragma once
// The code head: how the encoder's last layer becomes a code.
//   plain     the layer's output is the code                         (encoder width = latent)
//   gaussian  it holds the mean and log-variance of q(z|x) = N(μ, σ²)  (encoder width = 2·latent);
//             training samples z = μ + σ·ε (the reparameterisation trick), encode() returns μ.
// Also the two terms of the variational loss, per image [N], in nats (Kingma & Welling 2014).
#include <torch/torch.h>

#include "latent/model_spec.h"

namespace latent {

/// Width of the encoder's output for this spec's head.
int64_t code_head_width(const ModelSpec& spec);

struct GaussianCode {
  torch::Tensor mean;    ///< [N, latent]
  torch::Tensor logvar;  ///< [N, latent], log σ²
};

/// Splits the encoder output [N, 2·latent] into mean and log-variance.
GaussianCode split_gaussian(const torch::Tensor& head_output);

/// z = μ + spread·σ·ε, ε ~ N(0, I) from `generator` (torch's default one when not given).
torch::Tensor sample_code(const GaussianCode& q, double spread = 1.0,
                          c10::optional<at::Generator> generator = c10::nullopt);

/// KL(q(z|x) ‖ N(0, I)) per image, closed form: ½ Σ (μ² + σ² − log σ² − 1).  [N]
torch::Tensor kl_to_prior(const GaussianCode& q);

/// −log p(x|z) per image, summed over pixels: Bernoulli (loss bce) on the decoder's logits, or
/// a unit-variance Gaussian (loss mse) on its output, constant ½·log 2π per value included.  [N]
torch::Tensor reconstruction_nll(const ModelSpec& spec, const torch::Tensor& recon_logits, const torch::Tensor& x);

/// Weight of the KL term in training epoch `epoch` (1-based): beta, ramped up linearly from 0
/// over the first kl_warmup epochs, beta·min(1, (epoch − 1) / kl_warmup). Epoch 0 = not
/// training (evaluation): the full beta.
double kl_weight(const ModelSpec& spec, int epoch);

}  // namespace latent
