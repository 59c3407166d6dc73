#include "latent/train/train_recipe.h"

#include <algorithm>

namespace latent {

namespace {

// Epochs for about 500,000 rows seen, between 10 and `most`: short sets get more passes.
int epochs_for_rows_seen(int64_t rows, int64_t most) {
  return static_cast<int>(std::clamp<int64_t>(500000 / std::max<int64_t>(rows, 1), 10, most));
}

// Pictures a dense layer over every pixel serves badly: in colour, or larger than 32x32.
bool is_picture(const std::vector<int64_t>& shape) {
  return shape.size() == 3 && (shape[0] == 3 || shape[1] * shape[2] > 32 * 32);
}

// 32 channels doubling to at most 256, one stride-2 layer per halving of the larger side down to 4.
std::vector<int64_t> picture_channels(const std::vector<int64_t>& shape) {
  std::vector<int64_t> channels;
  for (int64_t side = std::max(shape[1], shape[2]); side > 4; side = (side + 1) / 2)
    channels.push_back(std::min<int64_t>(32 << channels.size(), 256));
  if (channels.empty()) channels.push_back(32);
  return channels;
}

}  // namespace

TrainRecipe recipe_for(const RecipeTask& task) {
  static constexpr int64_t kMaxPullRows = 200000;
  static constexpr int64_t kDefaultBatch = 128;  // latent train's --batch
  TrainRecipe recipe;
  if (task.table_width > 0) {
    recipe.layers = {64};
    if (!task.binary) recipe.latent = std::clamp<int64_t>(task.table_width / 2, 1, 8);
    recipe.epochs = epochs_for_rows_seen(task.rows, 100);
    return recipe;
  }
  const bool pictures = !task.arch && !task.one_class && is_picture(task.image_shape);
  if (pictures) {
    recipe.arch = Arch::conv;
    recipe.channels = picture_channels(task.image_shape);
    if (!task.binary) recipe.latent = 64;
    // A VAE keeps cross-entropy: its KL term is weighed against that likelihood (beta 1).
    if (task.autoencoder) recipe.loss = Loss::mse;
    const int64_t shift = std::max<int64_t>(std::min(task.image_shape[1], task.image_shape[2]) / 16, 1);
    recipe.augment = "flip,shift:" + std::to_string(shift) + ",color:0.1";
  }
  if (task.binary) {
    recipe.lr = 2e-3;
    recipe.bit_balance = 0.1;
    recipe.bit_decorrelation = 1.0;
    recipe.corrupt = "gaussian:0.1";
    if (!pictures) {
      recipe.layers = {1000, 500, 250};
      recipe.batch = 256;
      if (task.pull_possible && task.rows <= kMaxPullRows) recipe.neighbour_pull = 2.0;
    }
  } else if (task.one_class) {
    recipe.layers = {128};
    recipe.latent = 16;
    recipe.batch = 64;
  }
  const bool conv_model = pictures || (task.arch == Arch::conv && !task.binary && !task.one_class);
  if (conv_model && task.rows < 100 * kDefaultBatch) {
    recipe.batch = std::max<int64_t>(task.rows / 100, 16);
    recipe.epochs = epochs_for_rows_seen(task.rows, 300);
  }
  return recipe;
}

}  // namespace latent
