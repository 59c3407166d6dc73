#pragma once
// A model for PyTorch: `torch.load` reads the file as a dict, and python/latent_torch.py builds a
// torch.nn.Module from it with the same encode, decode and forward. The dict holds the spec and
// normalisation (JSON text) and the encoder's and decoder's steps in order, each a dict naming
// what it does ("linear", "conv2d", "conv_transpose2d", "relu", "sigmoid", "tanh", "selu",
// "view", "flatten") with its weights and settings: the Python side rebuilds no rule of its own.
#include <string>

#include "latent/model/model_file.h"

namespace latent {

constexpr int kTorchExportVersion = 1;

/// Writes the model (atomically); throws latent::Error for a model it cannot describe (a table's).
void export_torch(const LoadedModel& model, const std::string& path);

}  // namespace latent
