#pragma once
// The sizes measured for a table's autoencoder (bench/tabular_oneclass.sh, docs/results.md): one
// hidden layer of 64, a code of at most half the encoded width and at most 8, and, as tables are
// often short, epochs enough for about 500,000 rows seen. `latent train` and Model::train both
// take it where the caller gave no size.
#include <cstdint>
#include <vector>

namespace latent {

struct TableRecipe {
  std::vector<int64_t> layers;
  int64_t latent = 0;
  int epochs = 0;
};

/// width: the encoded columns (one-hot blocks counted); rows: the rows trained on.
TableRecipe table_recipe(int64_t width, int64_t rows);

}  // namespace latent
