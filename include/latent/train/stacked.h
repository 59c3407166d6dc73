#pragma once
// Stacked autoencoders: greedy layer-wise pretraining of a deep dense autoencoder.
//
// The deep net input → h1 → … → hK → code (widths w0 … wL, L = layers + 1) is cut into L
// one-hidden-layer autoencoders; autoencoder k maps w_k → w_{k+1} → w_k and is trained (by the
// Trainer) on the codes of autoencoder k-1, with the same input corruption when asked (a stacked
// denoising autoencoder). Its encoder becomes encoder layer k of the deep net and its decoder the
// mirror decoder layer: the stack "unrolled" into one ordinary Autoencoder.
#include <functional>
#include <vector>

#include <torch/torch.h>

#include "latent/data/dataset.h"
#include "latent/model/autoencoder.h"
#include "latent/train/trainer.h"

namespace latent {

/// Number of greedy layers of a deep spec: its hidden layers plus the code layer.
size_t stack_depth(const ModelSpec& deep);

/// The one-hidden-layer autoencoder that pretrains layer k (0-based) of `deep`. Layer 0 sees the
/// data (the deep net's output and loss); higher layers see hidden activations: sigmoid output +
/// BCE when the hidden activation is sigmoid (values in [0,1]), else linear output + MSE.
ModelSpec layer_spec(const ModelSpec& deep, size_t k, const CorruptionSpec& corrupt);

/// The Linear layers of a dense autoencoder's encoder (input side first) and decoder (code side
/// first).
std::vector<torch::nn::Linear> encoder_linears(Autoencoder& model);
std::vector<torch::nn::Linear> decoder_linears(Autoencoder& model);

/// Copies layer autoencoder k into `deep`: its encoder to encoder layer k, its decoder to decoder
/// layer L-1-k.
void unroll_layer(Autoencoder& deep, Autoencoder& layer, size_t k);

struct PretrainReport {
  std::vector<std::vector<EpochStats>> layers;  ///< each layer's epoch history
};

/// Called after every epoch of layer k.
using LayerEpochCallback = std::function<void(size_t k, const EpochStats& stats)>;

/// Greedy layer-wise pretraining: trains layer autoencoders 0 … L-1 with `options` (epochs per
/// layer; layer k uses seed + k), each on the codes of the layer below, and returns the unrolled
/// deep autoencoder with spec `deep` (not fine-tuned). `val` may be empty.
Autoencoder pretrain_stack(const ModelSpec& deep, const Dataset& train, const Dataset& val, const TrainOptions& options,
                           const CorruptionSpec& corrupt, const LayerEpochCallback& on_epoch,
                           PretrainReport* report = nullptr);

}  // namespace latent
