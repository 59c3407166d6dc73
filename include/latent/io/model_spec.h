#pragma once
// What a model is, as data: saved as JSON in every model file and shown by `latent info`.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "latent/io/regularizer_spec.h"

namespace latent {

struct ModelSpec {
  std::vector<int64_t> input_shape;        ///< {1, H, W} or {D}
  std::string arch = "dense";              ///< dense | conv (images only)
  std::vector<int64_t> layers;             ///< hidden sizes of the encoder; the decoder mirrors them
  int64_t latent = 32;                     ///< code size
  std::string activation = "relu";         ///< relu | sigmoid | tanh | selu (hidden layers)
  std::string code_activation = "linear";  ///< linear | relu | sigmoid | tanh (the code layer)
  std::string output = "sigmoid";          ///< sigmoid for [0,1] data, linear for standardised data
  std::string loss = "bce";                ///< bce (needs sigmoid output) | mse
  // Added by issue 3; absent in older model files (then the defaults below apply).
  std::vector<int64_t> channels;    ///< conv only: channels of each stride-2 convolution
  CorruptionSpec corrupt;           ///< input corruption while training (denoising)
  SparsitySpec sparsity;            ///< code penalty: L1 or KL to a target activation
  double contractive = 0;           ///< weight of ||d code / d input||_F^2 (0 = off)
  std::string code_head = "plain";  ///< plain | gaussian (a variational autoencoder) | binary (see code_head.h)
  double beta = 1.0;                ///< gaussian: weight of the KL term
  int kl_warmup = 0;                ///< gaussian: epochs over which the KL weight ramps up from 0
  // Added by issue 5: the binary head (semantic hashing; see code_head.h).
  double noise_start = 0, noise_end = 4;  ///< binary: std of the noise before the sigmoid, epoch 1 → noise_epochs
  int noise_epochs = 1;                   ///< binary: epochs of the linear noise ramp (then it stays at noise_end)
  double bit_balance = 0;                 ///< binary: weight of Σ_bits (batch mean of the bit − ½)²
  double bit_decorrelation = 0;           ///< binary: weight of the mean squared correlation between bits
  double neighbour_pull = 0;  ///< binary: weight of the mean squared code difference to a pixel-space neighbour
  int neighbours = 5;         ///< binary: how many nearest training images count as neighbours

  int64_t input_size() const;
  /// Throws latent::Error naming the first field that is out of range.
  void validate() const;
  /// The issue-3 fields: conv shape, corruption, sparsity, contractive weight.
  void validate_regularisers() const;
  /// The issue-5 fields of a binary head: bits, noise schedule, penalty weights.
  void validate_binary() const;
  nlohmann::json to_json() const;
  static ModelSpec from_json(const nlohmann::json& j);
  /// "784-1000-500-250-30" style summary of the encoder.
  std::string shape_string() const;
};

}  // namespace latent
