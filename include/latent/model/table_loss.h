#pragma once
// The reconstruction error of a table model (Output::table), column by column: a number's squared
// error, a block of words' cross-entropy. A missing cell (NaN in the encoded row) counts nothing,
// so training fits the observed cells only and a score adds up only what was observed.
#include <torch/torch.h>

#include "latent/io/model_spec.h"

namespace latent {

/// [N, numbers + blocks] errors of the decoder's logits [N, D] against encoded rows x [N, D].
torch::Tensor table_errors(const ModelSpec& spec, const torch::Tensor& logits, const torch::Tensor& x);
/// logits → outputs: the numbers as they are, each block's softmax.
torch::Tensor table_outputs(const ModelSpec& spec, const torch::Tensor& logits);
/// The encoded rows as the model's input: missing cells read as 0 (a number at its centre, a
/// block with no level set).
torch::Tensor observed_input(const torch::Tensor& x);

}  // namespace latent
