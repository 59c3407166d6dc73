#pragma once
// Batched inference and reconstruction metrics.
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "latent/data/dataset.h"
#include "latent/model/autoencoder.h"

namespace latent {

/// The values of a tensor as floats, row-major.
std::vector<float> tensor_values(const torch::Tensor& tensor);

/// x [N, D] → codes [N, latent], in batches, without autograd; with refine_steps > 0 refined so
/// many steps (code_refinement.h), with progress shown.
torch::Tensor encode_all(Autoencoder& model, const torch::Tensor& x, int64_t refine_steps = 0);
/// The same for a data set's samples, read batch by batch when they stay in a pack.
torch::Tensor encode_all(Autoencoder& model, const Dataset& data, int64_t refine_steps = 0);
/// codes [N, latent] → reconstructions [N, D] in normalised data space.
torch::Tensor decode_all(Autoencoder& model, const torch::Tensor& codes);

/// Metrics of reconstructing data (normalised space; for images pixels are in [0,1]):
///   n; mse_per_pixel; sse_per_image (sum over pixels of squared error, mean over images:
///   Hinton & Salakhutdinov 2006); and for [0,1] data bce_per_pixel and psnr_db = 10·log10(1/mse).
/// From codes refined refine_steps steps when > 0 (then also "refine_steps").
nlohmann::json evaluate_reconstruction(Autoencoder& model, const Dataset& data, int64_t refine_steps = 0);

}  // namespace latent
