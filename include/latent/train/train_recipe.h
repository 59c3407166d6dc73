#pragma once
// The settings measured for each kind of run (docs/results.md), which `latent train` and
// Model::train take wherever the caller gave none; each set field is such a default.
//   table (bench/tabular_oneclass.sh): one hidden layer of 64, a code of at most half the encoded
//     width and at most 8, and, as tables are often short, epochs for about 500,000 rows seen.
//   binary codes of images (bench/hashing.sh): 1000-500-250, batch 256, lr 2e-3, bit balance 0.1
//     and decorrelation 1, light input noise, and the neighbour pull where its exact graph (quadratic
//     in the rows) fits: one replica, the rows in memory, at most 200,000 of them.
//   one class of images (bench/oneclass.sh): 128 hidden, a code of 16, batch 64.
//   pictures, in colour or larger than 32x32, not told --arch and not one class (bench/emoji.sh,
//     bench/picture_default.sh): the conv model, 32 channels doubling to at most 256, one stride-2
//     layer per halving of the larger side down to 4, a code of 64, squared error (a VAE keeps
//     cross-entropy, which its KL term is weighed against), and batches mirrored, shifted by up
//     to a 16th of the smaller side and recoloured by up to 0.1. The notes' dense 12288-32 with
//     cross-entropy reconstructs Apple's emoji at 11.3 dB where PCA-32 gives 15.5 (as a VAE too:
//     the mean picture), the conv model without the augmentation at 14.8 where PCA-64 gives 16.7.
//     Binary codes take the same model with the hashing recipe's penalties, noise and rate but no
//     neighbour pull; the dense hashing recipe gave every emoji one code (docs/results.md).
//   such pictures, or a conv autoencoder or VAE, on fewer than 12,800 images (bench/emoji.sh):
//     batches of rows/100 (at least 16) for 100 steps an epoch, and epochs for about 500,000
//     images seen (at most 300); at the default batch of 128 and 60 epochs, 1,857 emoji took 780
//     steps and stayed below PCA-64.
//   other images (grey, at most 32x32: digits): nothing; the flags' defaults are the notes'
//     simple autoencoder (784-32-784).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "latent/io/model_parts.h"

namespace latent {

struct TrainRecipe {
  std::optional<std::vector<int64_t>> layers;
  std::optional<int64_t> latent;
  std::optional<int> epochs;
  std::optional<int64_t> batch;
  std::optional<double> lr;
  std::optional<double> bit_balance, bit_decorrelation, neighbour_pull;
  std::optional<std::string> corrupt;  ///< a CorruptionSpec's text
  std::optional<std::string> augment;  ///< an AugmentSpec's text
  std::optional<Arch> arch;
  std::optional<std::vector<int64_t>> channels;
  std::optional<Loss> loss;
};

/// What the run trains on and what it makes.
struct RecipeTask {
  int64_t table_width = 0;           ///< the encoded columns of a table (one-hot blocks counted); 0 for images
  int64_t rows = 0;                  ///< the rows trained on
  bool binary = false;               ///< binary codes
  bool one_class = false;            ///< trained on one class (--normal-class)
  bool autoencoder = false;          ///< a plain autoencoder: not variational, not binary
  bool variational = false;          ///< a variational autoencoder
  std::optional<Arch> arch;          ///< the architecture asked for, if any
  std::vector<int64_t> image_shape;  ///< {channels, height, width} of images; empty for other data
  bool pull_possible = true;         ///< one replica, rows in memory (the neighbour pull's condition besides rows)
};

TrainRecipe recipe_for(const RecipeTask& task);

}  // namespace latent
