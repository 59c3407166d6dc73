#pragma once
// What an encoder or decoder does to a row, as a list of plain steps: the one description both
// export formats write (model/model_export.h).
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "latent/io/model_spec.h"

namespace latent {

struct ModelStep {
  std::string kind;            ///< "linear", "conv2d", "conv_transpose2d", an activation, "view", "flatten"
  torch::Tensor weight, bias;  ///< float32, contiguous; defined for linear and convolution steps
  std::vector<std::pair<std::string, std::vector<int64_t>>> settings;  ///< shape, stride, padding, ...
};

/// The steps of the model's child `part` ("encoder" or "decoder"); throws latent::Error for a
/// layer no export knows, or a table model (its output is a softmax block per column).
std::vector<ModelStep> model_steps(const torch::nn::Module& model, const ModelSpec& spec, const std::string& part);

}  // namespace latent
