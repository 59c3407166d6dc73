#pragma once
// New data from a trained model, each reproducible from its seed (its own generator, so the
// result does not depend on anything drawn before). Results are [N, D] in normalised space.
#include <torch/torch.h>

#include "latent/model/autoencoder.h"

namespace latent {

/// count draws from the prior N(0, I), decoded. Needs a gaussian code head.
torch::Tensor sample_prior(Autoencoder& model, int64_t count, uint64_t seed);

/// count draws around x's posterior, z = μ + spread·σ·ε, decoded; x [1, D]. spread 0 gives the
/// reconstruction of x every time. Needs a gaussian code head.
torch::Tensor sample_variations(Autoencoder& model, const torch::Tensor& x, int64_t count, double spread,
                                uint64_t seed);

/// steps codes evenly spaced on the line from encode(a) to encode(b) (both ends included),
/// decoded; a, b [1, D]. Any code head.
torch::Tensor interpolate(Autoencoder& model, const torch::Tensor& a, const torch::Tensor& b, int64_t steps);

}  // namespace latent
