#pragma once
// A Sequential's forward pass for inference (no gradients). Dense layers only (Linear, each with
// at most one activation): the whole chain runs a block of rows at a time on training_pool()'s
// threads, each thread its own rows, its products in oneDNN's sgemm and its bias and activation
// in one pass (about twice LibTorch's per-layer path from Python, bench/python_encode.sh). Other
// Sequentials (convolutions) multiply their Linear layers in oneDNN through LibTorch. With
// gradients on, or input that is not float32 [N, D], it is the ordinary forward.
#include <torch/torch.h>

namespace latent {

torch::Tensor inference_forward(torch::nn::Sequential& layers, const torch::Tensor& x);

}  // namespace latent
