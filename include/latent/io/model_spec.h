#pragma once
// What a model is, as data: saved as JSON in every model file and shown by `latent info`.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "latent/io/model_parts.h"
#include "latent/io/regularizer_spec.h"

namespace latent {

struct ModelSpec {
  std::vector<int64_t> input_shape;                 ///< {1, H, W} or {D}
  Arch arch = Arch::dense;                          ///< conv: images only
  std::vector<int64_t> layers;                      ///< hidden sizes of the encoder; the decoder mirrors them
  int64_t latent = 32;                              ///< code size
  Activation activation = Activation::relu;         ///< hidden layers (not linear)
  Activation code_activation = Activation::linear;  ///< the code layer (not selu)
  Output output = Output::sigmoid;
  Loss loss = Loss::bce;  ///< bce needs the sigmoid output; the table output: mse (and cross-entropy per block)
  /// Output::table: the widths of the one-hot blocks that end each row; the numbers come before.
  std::vector<int64_t> table_blocks;
  // Absent in older model files (then the defaults below apply).
  std::vector<int64_t> channels;  ///< conv only: channels of each stride-2 convolution
  CorruptionSpec corrupt;         ///< input corruption while training (denoising)
  AugmentSpec augment;            ///< images only: flips, shifts and colour changes while training
  SparsitySpec sparsity;          ///< code penalty: L1 or KL to a target activation
  double contractive = 0;         ///< weight of ||d code / d input||_F^2 (0 = off)
  CodeHead code_head = CodeHead::plain;
  double beta = 1.0;  ///< gaussian: weight of the KL term
  int kl_warmup = 0;  ///< gaussian: epochs over which the KL weight ramps up from 0
  /// gaussian: importance samples of the training bound; 1 is the ELBO, K > 1 the IWAE bound
  /// log (1/K) Σ_k p(x, z_k) / q(z_k|x) (Burda, Grosse & Salakhutdinov 2016)
  int64_t iw_train = 1;
  Binarize binarize = Binarize::none;  ///< images in [0,1]: train on fresh binary draws of them
  // The binary head (semantic hashing; see model/code_head.h).
  double noise_start = 0, noise_end = 4;  ///< binary: std of the noise before the sigmoid, epoch 1 → noise_epochs
  int noise_epochs = 1;                   ///< binary: epochs of the linear noise ramp (then it stays at noise_end)
  double bit_balance = 0;                 ///< binary: weight of Σ_bits (batch mean of the bit − ½)²
  double bit_decorrelation = 0;           ///< binary: weight of the mean squared correlation between bits
  double neighbour_pull = 0;  ///< binary: weight of the mean squared code difference to a pixel-space neighbour
  int neighbours = 5;         ///< binary: how many nearest training images count as neighbours

  int64_t input_size() const;
  /// Output::table: how many numbers lead each row.
  int64_t table_numbers() const;
  /// The one rule from what a user asks for to the model's parts: the code head of `type`, the
  /// output that fits the data (sigmoid for values in [0,1], linear for standardised data), and
  /// `loss` or else the loss that goes with that output (bce, mse).
  void set_type(ModelType type, bool unit_range_data, std::optional<Loss> loss = std::nullopt);
  ModelType type() const;
  /// Throws SettingError naming the first setting that is out of range.
  void validate() const;
  /// Conv shape, corruption, sparsity, contractive weight.
  void validate_regularisers() const;
  /// The table output's blocks against the input size.
  void validate_table() const;
  /// A binary head's bits, noise schedule and penalty weights.
  void validate_binary() const;
  nlohmann::json to_json() const;
  static ModelSpec from_json(const nlohmann::json& j);
  /// "784-1000-500-250-30" style summary of the encoder.
  std::string shape_string() const;
};

}  // namespace latent
