#pragma once
// Input corruption for denoising autoencoders: x [N, D] → a corrupted copy. The noise comes from
// torch's default generator, which the Trainer seeds per epoch (so a resumed run is exact).
#include <torch/torch.h>

#include "latent/io/regularizer_spec.h"
#include "latent/model/autoencoder.h"

namespace latent {

/// x itself when spec is none.
torch::Tensor corrupt(const torch::Tensor& x, const CorruptionSpec& spec);

/// What a training step minimises on the clean rows x: the model reconstructs x from x corrupted
/// by its spec's corruption (the code noise is drawn inside objective()). Every autograd path
/// (one replica, replica threads, validation) goes through here; the dense passes corrupt the
/// same way inside their own loop.
torch::Tensor training_objective(Autoencoder& model, const torch::Tensor& x, bool neighbour_pairs = false);

}  // namespace latent
