#pragma once
// Optimizer state that came from outside (a checkpoint, rank 0 of a process group) is checked
// against the model before the first step uses it.
#include <string>

#include <torch/torch.h>

namespace latent {

/// Throws latent::Error naming `source` unless every state tensor has its parameter's shape and
/// type (Optimizer::load takes an archive's tensors as they are: the fused Adam kernel would
/// write out of bounds).
void check_optimizer_state(torch::optim::Optimizer& optimizer, const std::string& source);

}  // namespace latent
