#pragma once
// Codes found by optimisation rather than read off the encoder: Adam on each row's code, the
// weights fixed, from the encoder's code, minimising the model's reconstruction loss. The decoder
// then reconstructs inputs unlike its training data (another drawing style, a new photo) better
// than from the encoder's codes: the "amortisation gap" (Cremer, Li & Duvenaud 2018), which neural
// image codecs close the same way (Yang, Bamler & Mandt 2020). Each code keeps the best of its
// steps, so it never reconstructs worse than the encoder's. Its cost: `steps` decoder passes,
// forward and backward, per row.
#include <torch/torch.h>

#include <functional>

#include "latent/model/autoencoder.h"

namespace latent {

/// The refined codes of x [N, D] (a plain code head: Error for binary or variational codes, whose
/// codes are not free numbers). Deterministic. Rows go through in blocks (memory: a block's
/// decoder pass), `rows_done` is told after each.
torch::Tensor refine_codes(Autoencoder& model, const torch::Tensor& x, int64_t steps,
                           const std::function<void(int64_t rows)>& rows_done = {});

}  // namespace latent
