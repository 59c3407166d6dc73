#pragma once
// How well a variational autoencoder models its data, in nats per image:
//   elbo         E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)), one z drawn per image (a lower bound
//                on log p(x); its negative is the training loss, the "test loss" of pytorch/examples)
//   loss_z_mean  the same loss with z = μ (no sampling noise)
//   nll_is       −log p(x) estimated with K importance samples from q (Burda et al. 2015):
//                −log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x); tighter than −elbo, exact as K → ∞
// Draws come from torch's default generator (the CLI seeds it with --seed).
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "latent/data/dataset.h"
#include "latent/model/autoencoder.h"

namespace latent {

/// −ELBO per image [N], one z sampled per image.
torch::Tensor negative_elbo(Autoencoder& model, const torch::Tensor& x);

/// −ELBO per image [N] averaged over `draws` draws of z from `generator`: a steadier score
/// than one draw, and reproducible (the anomaly detector's `elbo` score).
torch::Tensor negative_elbo(Autoencoder& model, const torch::Tensor& x, int64_t draws, at::Generator generator);

/// −log p(x) per image [N], importance sampled with `samples` draws per image.
torch::Tensor importance_sampled_nll(Autoencoder& model, const torch::Tensor& x, int64_t samples);

/// {elbo, loss_z_mean}, means over the images, and {nll_is, iw_samples} when iw_samples > 0 (its
/// cost grows with the samples: 1000 take minutes on 10,000 images). Needs a gaussian head.
nlohmann::json evaluate_variational(Autoencoder& model, const Dataset& data, int64_t iw_samples);

}  // namespace latent
