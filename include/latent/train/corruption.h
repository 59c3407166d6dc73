#pragma once
// Input corruption for denoising autoencoders: x [N, D] → a corrupted copy. The noise comes from
// torch's default generator, which the Trainer seeds per epoch (so a resumed run is exact).
#include <torch/torch.h>

#include "latent/io/regularizer_spec.h"

namespace latent {

/// x itself when spec is none.
torch::Tensor corrupt(const torch::Tensor& x, const CorruptionSpec& spec);

}  // namespace latent
