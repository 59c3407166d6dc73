#include "latent/train/table_recipe.h"

#include <algorithm>

namespace latent {

TableRecipe table_recipe(int64_t width, int64_t rows) {
  return {{64},
          std::clamp<int64_t>(width / 2, 1, 8),
          static_cast<int>(std::clamp<int64_t>(500000 / std::max<int64_t>(rows, 1), 10, 100))};
}

}  // namespace latent
