#pragma once
// Data ↔ compressed codes through a model: encode, quantise (codec.h), and back.
#include <torch/torch.h>

#include "latent/io/codec.h"
#include "latent/model/model_file.h"

namespace latent {

/// x [N, D] normalised data with sample_shape → quantised codes, ranges fitted on these codes;
/// refine_steps > 0 refines the codes first (code_refinement.h).
CompressedCodes compress(LoadedModel& model, const torch::Tensor& x, const std::vector<int64_t>& sample_shape, int bits,
                         int64_t refine_steps = 0);
/// → reconstructions [N, D] in normalised space. Refuses a model whose fingerprint differs
/// from the one that compressed; `name` (the file) is used in that error.
torch::Tensor decompress(LoadedModel& model, const CompressedCodes& codes, const std::string& name);

}  // namespace latent
