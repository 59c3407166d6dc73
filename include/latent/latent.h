// latent as a library: load or train an autoencoder, encode and decode arrays and image files,
// keep codes in an index and search it, score anomalies. This header needs nothing but the
// standard library: link latent::latent (CMake: find_package(latent)) or `pkg-config latent`.
// Every function throws latent::Error with one line saying what was wrong.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "latent/base/error.h"

namespace latent::api {

/// The library's version, "MAJOR.MINOR.PATCH" (the CLI's `latent --version`).
std::string version();
/// The newest model-file format this release reads; it reads every older one too.
int model_format();

/// Threads for everything that follows (0: one per core, the default).
void set_threads(int threads);
/// Progress lines on stderr while training and encoding (off unless asked for: a library is quiet).
void show_progress(bool on);

/// Rows of numbers, row-major. A view does not own them.
struct MatrixView {
  const float* data = nullptr;
  int64_t rows = 0, cols = 0;
};
struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> values;
  MatrixView view() const { return {values.data(), rows, cols}; }
};

/// What a code is: numbers, numbers drawn from a Gaussian (a variational autoencoder, which can
/// generate), or bits (semantic hashing: codes compared by Hamming distance).
enum class CodeKind { numbers, variational, bits };

/// Settings left empty or 0 take what `latent train` takes for the same data and kind
/// (latent/train/train_recipe.h): for a table (pixels false) one hidden layer of 64, a code of at
/// most half the columns and at most 8, epochs enough for about 500,000 rows seen; for bits of
/// pixels the hashing recipe (1000-500-250, batch 256, bit balance, decorrelation, input noise,
/// the neighbour pull up to 200,000 rows); else no hidden layer, a code of 32, 20 epochs, batch
/// 128, learning rate 3e-3.
struct TrainOptions {
  CodeKind kind = CodeKind::numbers;
  std::vector<int64_t> layers;  ///< hidden sizes of the encoder, mirrored in the decoder
  int64_t code_size = 0;        ///< numbers (or bits) in a code
  bool pixels = false;          ///< values are pixels 0..255: scaled to [0, 1], sigmoid output
  int epochs = 0;
  int64_t batch = 0;
  double learning_rate = 0;
  double validation = 0.1;  ///< share of rows held out; the best epoch on them is kept
  uint64_t seed = 0;
};

/// A trained autoencoder. Arrays in and out are values as the model was trained on (pixels
/// 0..255, a table's numbers): the model's own scaling is applied on the way in and undone on the
/// way out. Safe to use from several threads.
class Model {
 public:
  static Model load(const std::string& path);
  /// Trains on the rows of x; throws for an option out of range.
  static Model train(MatrixView x, const TrainOptions& options = {});
  /// Trains on a CSV file as `latent train --data csv:PATH,label=LABEL` reads it: numbers (as
  /// spreadsheets format them), words as categories, blanks as missing cells, columns that only
  /// tell rows apart (an id counting up, a name in every row) left out. label: "auto" (a column
  /// named label, class or target, if any), a column's name, "first", "last" or "none".
  static Model train_csv(const std::string& path, const TrainOptions& options = {}, const std::string& label = "auto");
  /// Writes the model file (atomically): the CLI and the server read it.
  void save(const std::string& path) const;

  int64_t input_size() const;
  int64_t code_size() const;
  CodeKind code_kind() const;
  /// "784-256-32-256-784 (ae)"
  std::string summary() const;

  Matrix encode(MatrixView x) const;
  Matrix decode(MatrixView codes) const;
  Matrix reconstruct(MatrixView x) const;
  /// A model of a table: the CSV file at `path` as CSV text, its columns (the label apart) and
  /// cells as the file gives them, the model's values written only into the empty cells of the
  /// columns it reads (imputation; `latent reconstruct --fill-blanks`).
  std::string fill_csv(const std::string& path) const;
  /// Image files read as the model's training images were (colour, size, crop).
  Matrix encode_images(const std::vector<std::string>& paths) const;

  struct State;
  explicit Model(std::shared_ptr<State> state);
  const State& state() const { return *state_; }

 private:
  std::shared_ptr<State> state_;
};

/// A stored code near a query: its id, distance (Euclidean; bits: Hamming) and similarity in
/// percent (100 = the same code).
struct Hit {
  std::string id;
  float distance = 0;
  double similarity = 0;
};

/// Codes under string ids. An index made by create() is a file that takes adds and removals,
/// each on disk when the call returns; open() also reads the snapshot indexes `latent index
/// build` writes (those take no writes). Searches may run while another thread writes.
class Index {
 public:
  /// A new, empty index file for the codes of `model`.
  static Index create(const std::string& path, const Model& model);
  static Index open(const std::string& path);

  /// Upserts: ids[i] gets codes row i (an id already there is replaced).
  void add(const std::vector<std::string>& ids, MatrixView codes);
  /// Removes the ids; returns how many were there.
  int64_t remove(const std::vector<std::string>& ids);
  int64_t size() const;

  /// The k nearest codes of each query row, nearest first.
  std::vector<std::vector<Hit>> search(MatrixView queries, int64_t k) const;
  /// Bits only: every code within Hamming distance `radius` of each query, exact.
  std::vector<std::vector<Hit>> search_radius(MatrixView queries, int radius) const;

  struct State;

 private:
  explicit Index(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

/// A column's part of a row's anomaly score.
struct Share {
  std::string column;
  double share = 0;  ///< of the row's score, in [0, 1]
};

/// One-class detection: scores (high = unlike the normal data the model was trained on) and a
/// threshold set on normal rows.
class Detector {
 public:
  /// A detector file (`latent anomaly fit` writes them).
  static Detector load(const std::string& path);
  /// Fits on normal rows: score "auto" (smooth-sse for a model of images, else sse: the squared
  /// reconstruction error) or another of `latent anomaly fit --help`, threshold rule
  /// "quantile:0.95", "fpr:R", "contamination:C" or "sigma:K".
  static Detector fit(const Model& model, MatrixView normal, const std::string& score = "auto",
                      const std::string& threshold_rule = "quantile:0.95");
  /// Fits on the rows of a CSV file of normal rows, read through the model's table schema.
  static Detector fit_csv(const Model& model, const std::string& path, const std::string& score = "auto",
                          const std::string& threshold_rule = "quantile:0.95");
  void save(const std::string& path) const;

  std::vector<double> score(MatrixView x) const;
  /// The rows of a CSV file read through the model's table schema (words, blanks, columns).
  std::vector<double> score_csv(const std::string& path) const;
  double threshold() const;
  /// Tables: per row, the `top` columns that make most of its score.
  std::vector<std::vector<Share>> explain(MatrixView x, int64_t top = 3) const;

  struct State;

 private:
  explicit Detector(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace latent::api
