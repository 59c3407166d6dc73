#pragma once
// What the facade's three classes share: their states, arrays in and out, and the one exception
// type that crosses the library's boundary.
#include <torch/torch.h>

#include <string>
#include <utility>

#include "latent/data/dataset.h"
#include "latent/io/raw_data.h"
#include "latent/latent.h"
#include "latent/model/model_file.h"

namespace latent::api {

struct Model::State {
  LoadedModel loaded;
  std::string file;  ///< the model file's bytes, as save() writes them and a detector embeds them
};

/// Calls f(); an exception of any kind leaves as latent::Error with a one-line message (torch's
/// own span several lines, and a derived type would need its type info exported).
template <class F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    const std::string what = e.what();
    throw Error(what.substr(0, what.find('\n')));
  }
}

/// Starts the library's threads once (one per core) unless set_threads() came first.
void ensure_threads();

/// Rows of a view as the raw data a model of `norm` reads: pixels or a table's columns of numbers.
RawData raw_rows(MatrixView x, const Normalization& norm, const std::string& what);
/// The rows of a CSV file as a model of `norm` reads them: its columns by name, words and numbers
/// as the model's table has them.
RawData csv_table(const Normalization& norm, const std::string& path);
/// A [rows × cols] float tensor's values.
Matrix to_matrix(const torch::Tensor& values);

}  // namespace latent::api
