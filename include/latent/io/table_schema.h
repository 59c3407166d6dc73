#pragma once
// How a table's columns become a model's inputs, fitted on the training table and saved in the
// model: numbers are scaled, words become a one-hot block over the levels seen in training (the
// most frequent ones, then one "other" slot that also takes a level never seen). Numbers come
// first in the encoded row, then the blocks, in the table's column order. A missing cell is NaN
// in the encoded row (a whole block of NaN for words): the model reads it as 0 and its loss and
// scores leave it out.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "latent/io/model_parts.h"
#include "latent/io/raw_data.h"

namespace latent {

/// standard: (x − mean) / std; robust: (x − median) / IQR; minmax: (x − min) / (max − min).
enum class Scaling { standard, robust, minmax };
template <>
struct PartNames<Scaling> {
  static constexpr std::array<const char*, 3> names{"standard", "robust", "minmax"};
};

/// What `latent train` is told about a table's columns.
struct TableOptions {
  Scaling scaling = Scaling::standard;
  int64_t max_levels = 20;  ///< per column of words: the most frequent levels kept; the rest are "other"
  /// Leave out columns that only tell rows apart (see is_identifier): as inputs they hold no
  /// pattern, and a row from another file lies outside every value the model saw.
  bool leave_out_identifiers = false;
  std::vector<std::string> keep;  ///< columns kept whatever they hold (the ones the user named)
};

struct TableColumn {
  std::string name;
  bool is_words = false;
  float center = 0, scale = 1;      ///< numbers: encoded = (x − center) / scale
  NumberStyle style;                ///< numbers: how the training table wrote them, for writing them back
  std::vector<std::string> levels;  ///< words: the kept levels; the block has one more slot, "other"

  int64_t width() const { return is_words ? static_cast<int64_t>(levels.size()) + 1 : 1; }
};

struct TableSchema {
  Scaling scaling = Scaling::standard;
  std::vector<TableColumn> columns;      ///< in encoded order: numbers, then words
  std::vector<std::string> identifiers;  ///< the columns fit left out as identifiers
  /// Indexes into `columns` in the training table's order, which reconstructions are written in;
  /// empty in models saved before it was kept (they write the encoded order).
  std::vector<int64_t> table_order;

  static TableSchema fit(const RawData& raw, const TableOptions& options);
  int64_t width() const;
  /// How many columns of numbers lead the encoded row; the widths of the blocks after them.
  int64_t number_columns() const;
  std::vector<int64_t> block_widths() const;
  /// The names of the columns of words and of numbers: how a table given to the model is read.
  std::vector<std::string> names(bool words) const;

  /// raw's cells (its columns matched by name) → [count × width()] encoded, NaN where missing.
  /// Throws naming a column the table lacks. Takes raw.values (empty after): the pages of the
  /// rows already encoded go back to the OS as it goes, so a long table is not held twice.
  std::vector<float> encode(RawData& raw) const;
  /// Encoded reconstructions [count × width()] (numbers scaled, blocks as probabilities) → one CSV
  /// line per row, columns in the table's order: the numbers unscaled, in their column's style,
  /// each block's most likely level ("other" for its last slot).
  std::string to_csv(const std::vector<float>& encoded, int64_t count) const;
  /// The table `given` as CSV, its header and every column of it in its order (the label apart),
  /// each cell as read (a word as it is, a number in the style the file wrote), and where a
  /// cell the model reads is missing, the model's value from `encoded`, the reconstructions of
  /// given's rows: imputation.
  std::string fill_csv(const std::vector<float>& encoded, const RawData& given) const;
  /// "age,city,...": the header to_csv's lines go under.
  std::string csv_header() const;
  /// table_order, or the encoded order when the model has none.
  std::vector<int64_t> written_order() const;

  nlohmann::json to_json() const;
  static TableSchema from_json(const nlohmann::json& j);
};

/// Whether column f of a table (at least 20 rows) only tells its rows apart: numbers that are
/// whole, present in every row and rise from row to row (a row number, an id, a timestamp in
/// order), or words that differ in every row (names, keys).
bool is_identifier(const RawData& raw, int64_t f);

/// A CSV field holding `text`: quoted when it has a comma, a quote or a line end.
std::string csv_field(const std::string& text);

/// A CSV field holding a number as its column wrote it (NumberStyle): its decimals, signs and
/// thousands mark, or a date column's nearest day.
std::string number_text(float value, const NumberStyle& style);

/// A table's cell as read, as a CSV field: its word, or its number as the column writes numbers;
/// empty when missing.
std::string cell_text(const RawData& raw, int64_t row, int64_t column);

}  // namespace latent
