#pragma once
// The code head: how the encoder's last layer becomes a code.
//   plain     the layer's output is the code                         (encoder width = latent)
//   gaussian  it holds the mean and log-variance of q(z|x) = N(μ, σ²)  (encoder width = 2·latent);
//             training samples z = μ + σ·ε (the reparameterisation trick), encode() returns μ.
//   binary    semantic hashing (Salakhutdinov & Hinton 2009): the layer's output a goes through a
//             sigmoid with Gaussian noise added before it while training, z = σ(a + s·ε), its std s
//             rising over the epochs, so that the units learn to saturate to 0 or 1 (encoder width
//             = latent = bits). encode() returns σ(a); at use, codes are thresholded at ½ and packed
//             (binary_codes.h); validation feeds the decoder the thresholded bits.
// Also the two terms of the variational loss, per image [N], in nats (Kingma & Welling 2014).
#include <torch/torch.h>

#include "latent/io/model_spec.h"

namespace latent {

/// Width of the encoder's output for this spec's head.
int64_t code_head_width(const ModelSpec& spec);

struct GaussianCode {
  torch::Tensor mean;    ///< [N, latent]
  torch::Tensor logvar;  ///< [N, latent], log σ²
};

/// Splits the encoder output [N, 2·latent] into mean and log-variance.
GaussianCode split_gaussian(const torch::Tensor& head_output);

/// z = μ + spread·σ·ε, ε ~ N(0, I) from `generator` (draw_generator() when not given).
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

/// Std of the binary head's noise in training epoch `epoch` (1-based): linear from noise_start
/// at epoch 1 to noise_end at epoch noise_epochs, then noise_end. Epoch 0 (not training): 0.
double binary_noise_std(const ModelSpec& spec, int epoch);

/// The first training epoch whose model may be kept as the best: for a binary head, the epoch
/// its noise ramp ends (earlier models, trained with less noise, have unsaturated units whose
/// thresholded bits can still decode well, yet they are not the codes the schedule trains for);
/// otherwise 1. Capped at `epochs` so that some epoch always qualifies.
int first_selectable_epoch(const ModelSpec& spec, int epochs);

/// Parses --noise-schedule "linear:START:END" (the ramp spans `epochs` epochs) or
/// "linear:START:END:EPOCHS" into the spec; throws latent::Error on anything else.
void parse_noise_schedule(const std::string& text, int epochs, ModelSpec& spec);

/// The binary head's penalties on a batch of codes z [N, bits] in (0,1):
///   bit_balance · Σ_bits (mean_batch z − ½)²  (every bit on for half the images)
/// + bit_decorrelation · mean over pairs of bits of their squared correlation over the batch.
torch::Tensor binary_code_penalty(const ModelSpec& spec, const torch::Tensor& codes);

/// The neighbour pull on a batch of training codes z [2A, bits] (the noisy sigmoid outputs), rows
/// i and i + A an image and one of its k nearest training images in pixel space: the mean over
/// pairs and bits of (z_i − z_j)², so neighbours are drawn to the same bits and the kNN graph
/// carries each image's similarity to its class (as graph hashing does) while the
/// reconstruction and bit balance keep the code from collapsing. On the noisy codes, not the
/// noise-free ones: a bit left at σ(0) = ½ for every image would meet a noise-free pull (and the
/// balance term) at no cost, and such bits came out of training as random bits at use.
torch::Tensor neighbour_pull_penalty(const torch::Tensor& codes);

}  // namespace latent
