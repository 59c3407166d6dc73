#pragma once
// Penalties that stop an autoencoder from just copying its input (added to the loss by
// Autoencoder::objective). Shapes: x [N, D]; codes [N, latent]; per-image results [N].
#include <torch/torch.h>

#include "latent/io/regularizer_spec.h"

namespace latent {

/// l1: weight · mean |code|; kl: weight · mean over units of KL(rho ‖ mean activation over the
/// batch) (sigmoid codes). Both are averaged over code units, like the loss over pixels.
torch::Tensor sparsity_penalty(const torch::Tensor& codes, const SparsitySpec& spec);

/// ‖∂code/∂x‖²_F of a one-layer encoder code = f(W x + b): J = diag(f'(z)) W, so the norm is
/// Σ_j f'(z_j)² ‖W_j‖². f' is read off the code: sigmoid h(1-h), tanh 1-h², relu [h>0], linear 1.
torch::Tensor jacobian_sq_closed_form(const torch::Tensor& weight, const torch::Tensor& codes, Activation activation);
/// Exact, by one backward pass per code unit (no graph kept: for evaluation and tests).
torch::Tensor jacobian_sq_exact(const torch::Tensor& x, const torch::Tensor& codes);
/// Unbiased: E‖vᵀJ‖² = ‖J‖²_F for a random ±1 vector v; one backward pass that keeps its graph.
torch::Tensor jacobian_sq_estimate(const torch::Tensor& x, const torch::Tensor& codes);

}  // namespace latent
