#pragma once
// A model for other systems. Both formats hold the spec and normalisation (JSON) and the encoder's
// and decoder's steps in order, each naming what it does ("linear", "conv2d", "conv_transpose2d",
// "relu", "sigmoid", "tanh", "selu", "view", "flatten") with its weights and settings, so a reader
// rebuilds no rule of its own:
// - torch: a dict `torch.load` reads; python/latent_torch.py makes it a torch.nn.Module with the
//   same encode, decode and forward.
// - npz: numpy arrays (np.load, no pickle): "model" is the JSON text {"format", "version", "spec",
//   "normalization", "encoder": [steps], "decoder": [steps]}, where a step with weights names its
//   arrays ("encoder.0.weight", "encoder.0.bias").
#include <string>

#include "latent/model/model_file.h"

namespace latent {

constexpr int kExportVersion = 1;

/// Each writes atomically and throws latent::Error for a model it cannot describe (a table's).
void export_torch(const LoadedModel& model, const std::string& path);
void export_npz(const LoadedModel& model, const std::string& path);

}  // namespace latent
