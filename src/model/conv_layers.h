#pragma once
// The convolutional ends of an `--arch conv` autoencoder, around the same dense layers and code
// as `--arch dense`. Each of spec.channels is one 3×3 convolution of stride 2 (halving height and
// width, rounding up); the decoder mirrors them with transposed convolutions whose output padding
// restores the exact size, so any H×W round-trips.
// Shapes: ConvDown [N, C·H·W] → [N, output_size()]; ConvUp [N, output_size()] → [N, C·H·W]
// (logits, before the output activation).
#include <torch/torch.h>

#include "latent/io/model_spec.h"

namespace latent {

class ConvDownImpl : public torch::nn::Module {
 public:
  explicit ConvDownImpl(const ModelSpec& spec);
  torch::Tensor forward(const torch::Tensor& x);
  int64_t output_size() const;
  const std::vector<int64_t>& input_shape() const { return input_shape_; }  ///< {C, H, W} of its rows
  const torch::nn::Sequential& layers() const { return layers_; }

 private:
  std::vector<int64_t> input_shape_;
  torch::nn::Sequential layers_;
  int64_t output_size_;
};
TORCH_MODULE(ConvDown);

class ConvUpImpl : public torch::nn::Module {
 public:
  explicit ConvUpImpl(const ModelSpec& spec);
  torch::Tensor forward(const torch::Tensor& x);
  const std::vector<int64_t>& code_shape() const { return code_shape_; }
  const torch::nn::Sequential& layers() const { return layers_; }

 private:
  std::vector<int64_t> code_shape_;  ///< {C, h, w} the decoder starts from
  torch::nn::Sequential layers_;
};
TORCH_MODULE(ConvUp);

/// What ConvDown gives the dense layers: C·h·w after the last convolution.
int64_t conv_output_size(const ModelSpec& spec);
/// The weights and biases of the convolutions and their transposed mirrors.
int64_t conv_parameter_count(const ModelSpec& spec);

/// Appends the activation's module to seq (linear: nothing).
void add_activation(torch::nn::Sequential& seq, Activation activation);

}  // namespace latent
