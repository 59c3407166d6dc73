#pragma once
// Row-major float matrices in .npy (float32, C order) or .csv, chosen by the file extension.
#include <cstdint>
#include <string>
#include <vector>

namespace latent {

struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> values;  ///< rows × cols
};

/// Writes atomically. For .csv, labels (if given, one per row) become a first "label" column.
void write_matrix(const std::string& path, const Matrix& matrix, const std::vector<int64_t>& labels = {});
/// Reads .npy (float32/float64, 1-D or 2-D, C order) or .csv (numbers only; a header row is skipped).
Matrix read_matrix(const std::string& path);
/// True for the extensions write_matrix knows.
bool is_matrix_path(const std::string& path);

}  // namespace latent
