#pragma once
// What training does to a batch before the model sees it: augmentation (images moved, mirrored,
// recoloured; input and target alike) and corruption for denoising (input only). The draws come
// from draw_generator(), which the Trainer seeds per epoch (so a resumed run is exact).
#include <torch/torch.h>

#include "latent/io/regularizer_spec.h"
#include "latent/model/autoencoder.h"

namespace latent {

/// x [N, ...] corrupted, each row by corrupt_rows (train/corruption_draws.h) under one key drawn
/// from draw_generator(); x itself when spec is none.
torch::Tensor corrupt(const torch::Tensor& x, const CorruptionSpec& spec);

/// The key of one batch's corruption draws: one draw from draw_generator().
uint64_t draw_corruption_key();

/// images [N, C·H·W] of shape {C, H, W}, each transformed afresh; x itself when spec is none.
/// unit_range: the values are pixels in [0,1], and recoloured ones are clamped to it.
torch::Tensor augment(const torch::Tensor& images, const AugmentSpec& spec, const std::vector<int64_t>& shape,
                      bool unit_range);

/// What a training step minimises on the clean rows x: in training mode x is augmented by the
/// spec's augmentation, then the model reconstructs it from a copy corrupted by its spec's
/// corruption (the code noise is drawn inside objective()). Every autograd path (one replica,
/// replica threads, validation) goes through here; the dense passes corrupt the same way inside
/// their own loop (they take no augmented models).
torch::Tensor training_objective(Autoencoder& model, const torch::Tensor& x, bool neighbour_pairs = false);

}  // namespace latent
