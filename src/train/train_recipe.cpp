#include "latent/train/train_recipe.h"

#include <algorithm>

namespace latent {

namespace {

// Epochs for about 500,000 rows seen, between 10 and `most`: short sets get more passes.
int epochs_for_rows_seen(int64_t rows, int64_t most) {
  return static_cast<int>(std::clamp<int64_t>(500000 / std::max<int64_t>(rows, 1), 10, most));
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
  } else if (task.binary) {
    recipe.layers = {1000, 500, 250};
    recipe.batch = 256;
    recipe.lr = 2e-3;
    recipe.bit_balance = 0.1;
    recipe.bit_decorrelation = 1.0;
    recipe.corrupt = "gaussian:0.1";
    if (task.pull_possible && task.rows <= kMaxPullRows) recipe.neighbour_pull = 2.0;
  } else if (task.one_class) {
    recipe.layers = {128};
    recipe.latent = 16;
    recipe.batch = 64;
  } else if (task.conv && task.rows < 100 * kDefaultBatch) {
    recipe.batch = std::max<int64_t>(task.rows / 100, 16);
    recipe.epochs = epochs_for_rows_seen(task.rows, 300);
  }
  return recipe;
}

}  // namespace latent
