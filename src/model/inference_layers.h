#pragma once
// A Sequential's forward pass for inference (no gradients): its Linear layers run as oneDNN
// matrix products on the configured threads, which on these machines are about twice OpenBLAS's (OpenBLAS is held to
// its AVX2 kernels, oneDNN uses AVX-512; bench/every_model.sh measures it) and give each row the same result whatever
// the batch size or thread count (OpenBLAS's change with the batch). With gradients on, or where oneDNN does not apply
// (not float32, not [N, D], no oneDNN in the LibTorch build), it is the ordinary forward.
#include <torch/torch.h>

namespace latent {

torch::Tensor inference_forward(torch::nn::Sequential& layers, const torch::Tensor& x);

}  // namespace latent
