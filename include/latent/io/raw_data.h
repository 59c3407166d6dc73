#pragma once
// Data as read from disk, before normalisation: no torch here, so the readers stay cheap to
// build and easy to fuzz.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "latent/io/image_layout.h"
#include "latent/io/image_pixels.h"

namespace latent {

/// How a column of dates writes them: which part comes first, the mark between the parts, and
/// whether months and days below 10 are written with two digits.
struct DateForm {
  enum class Order { year_month_day, month_day_year, day_month_year } order = Order::year_month_day;
  char mark = '-';  ///< '-', '/' or '.'
  bool padded = true;
  bool operator==(const DateForm& other) const {
    return order == other.order && mark == other.mark && padded == other.padded;
  }
};

/// How a column of numbers writes them, so that numbers written back look like the file's.
struct NumberStyle {
  /// The most digits a cell wrote after its decimal mark (0: whole numbers); -1: 7 significant
  /// digits (a cell wrote an exponent or more than kMaxDecimals, or the column is not from a CSV).
  int decimals = -1;
  /// The signs every cell wrote before and after its digits ($ € £ ¥ before, % or one of them
  /// after), and the mark every cell of 1,000 or more grouped its thousands with; empty when
  /// there were none or the cells differ.
  std::string prefix, suffix, group;
  /// A column of calendar dates (2024-03-05, 3/5/2024, 05.03.2024), read as days since
  /// 1970-01-01: how its cells write them.
  std::optional<DateForm> date;
  static constexpr int kMaxDecimals = 6;
};

/// How a CSV column of numbers was read: for the message that says so, and its style.
struct NumberReading {
  int64_t formatted = 0;  ///< cells written as money, shares or grouped thousands ($1,200.50, 45%, 12 €)
  int64_t infinite = 0;   ///< cells holding an infinity (inf, 1e999), read as missing
  std::string example;    ///< the first formatted cell
  NumberStyle style;
};

/// A table's columns (besides the label), as read: a column of words holds, per cell, the index
/// of the cell's word in its `words`; a missing cell (empty, NA, NaN, ?) is NaN in either kind.
struct TableColumns {
  std::vector<std::string> names;               ///< header names, or "column N" (1-based) without a header
  std::vector<std::vector<std::string>> words;  ///< per column: its distinct words in order of appearance
  std::vector<bool> is_words;                   ///< per column: a column of words (categories)
  std::vector<NumberReading> reading;           ///< per column when read from a CSV file, else empty

  bool empty() const { return names.empty(); }
  bool has_words() const;
};

struct RawData {
  std::vector<float> values;          ///< count × features, row-major, as stored (pixels 0..255)
  std::vector<int64_t> sample_shape;  ///< {1, H, W} for images, {D} for tables
  std::vector<int64_t> labels;        ///< one per sample, or empty when the data has none
  std::vector<std::string> paths;     ///< source file per sample (images:DIR only)
  bool is_image = false;              ///< pixels 0..255, scaled to [0,1] for the model
  std::string label_column;           ///< csv: the column the labels came from ("class", "column 1"), or empty
  /// Class i's name: a CSV's label words (sorted) or a scikit-learn table's names, an image
  /// folder's class subfolders (sorted); empty when the labels are numbers only.
  std::vector<std::string> label_names;
  TableColumns table;  ///< csv: one entry per feature

  int64_t features() const;
  int64_t count() const;
  /// Keeps the first n samples (n <= 0 keeps all).
  void truncate(int64_t n);
  /// Numbers the classes as `names` (a model's training classes) does, so that a file missing a
  /// class, or holding others, is not numbered anew; a class not among them follows them.
  /// Nothing to do when either side has no names.
  void number_classes_as(const std::vector<std::string>& names);
};

/// IDX file (raw or .gz), unsigned-byte type only: returns dims and the bytes.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<unsigned char> data;
};
IdxArray read_idx(const std::string& path);
IdxArray parse_idx(const std::vector<unsigned char>& bytes, const std::string& name);

/// Image file + label file pair (MNIST layout) → images {1, H, W} with labels.
RawData read_idx_pair(const std::string& images_path, const std::string& labels_path);

/// Columns of a CSV (header names) read as words even when every cell is a number, as numbers (a
/// word is then an error naming its line), or left out. A column of no list is words when any of
/// its cells is a word that does not mean missing (empty, NA, NaN, N/A, null, ?, a dash).
struct ColumnChoice {
  std::vector<std::string> words, numbers, ignore;
};

struct CsvOptions {
  /// Which column holds an integer label: auto (a header column named label, class or target,
  /// else none) | first | last | none | the column's header name.
  std::string label = "auto";
  /// auto | yes | no: auto = a first row of words only, or one with a word above a number
  std::string header = "auto";
  /// auto | comma | semicolon | tab | bar | space (runs of blanks): auto = the one that splits the
  /// first two records alike into the most fields (blanks only when no other does). Any but comma
  /// also reads a decimal comma (1.234,5 = 1234.5). header=auto also skips scikit-learn's first
  /// line "N,D,class names" and takes its last column as the label.
  std::string separator = "auto";
  ColumnChoice columns;
  void validate() const;
};
RawData read_csv(const std::string& path, const CsvOptions& options);
RawData parse_csv(const std::string& text, const std::string& name, const CsvOptions& options);

/// One PNG, JPEG, BMP or GIF file as an image {C, H, W} (pixels 0..255) read under `layout`
/// (see image_layout.h), no label.
RawData read_image_file(const std::string& path, const ImageLayout& layout = {});

/// An image file of a folder, and its label: the index of its class subfolder (sorted by name),
/// or -1 for a file directly in the folder.
struct ImageFileEntry {
  std::string path;
  int64_t label = -1;
};
/// The image files of a folder in the order read_image_dir reads them; throws when there are none
/// or the folder mixes files at the top with class subfolders. `skipped`, when given, gets the
/// other entries (other formats, folders inside class folders; hidden files aside).
std::vector<ImageFileEntry> list_image_files(const std::string& dir, std::vector<std::string>* skipped = nullptr);
/// Class i's name: the subfolder its files are in (empty when the files have no classes). From the
/// files listed, so that a class none of whose files read keeps its name and number.
std::vector<std::string> image_class_names(const std::vector<ImageFileEntry>& files);
/// The line that says what a folder held besides images ("" for nothing), for after it is read.
std::string skipped_files_note(const std::string& dir, const std::vector<std::string>& skipped);

/// What reading a folder does with an image file it cannot decode (truncated, damaged, too large):
/// refuse the folder (one line naming the file), or leave the file out and say so after.
enum class UnreadableFiles { refuse, skip };

/// Image files a folder's read left out as unreadable, each "path: why", for the line after it.
struct UnreadFiles {
  UnreadableFiles rule = UnreadableFiles::refuse;
  std::vector<std::string> reasons;
  /// The file's pixels; when it cannot be read, throws (refuse: naming --skip-unreadable) or keeps
  /// the reason and returns nothing (skip).
  std::optional<Pixels> read(const std::string& path, const ImageLayout& layout);
  /// "images:DIR: left out N files that are not readable images (first: ...)", or "" for none.
  std::string note(const std::string& dir) const;
  /// What to say when every file of the folder was left out.
  std::string nothing_read(const std::string& dir) const;
};

/// The image files of a folder under `layout`: one size (without a resize the files must agree),
/// RGB when any file has colour (unless the layout says); says what else the folder held. Files in subfolders get the
/// subfolder's index (sorted by name) as label; files directly in dir have none.
RawData read_image_dir(const std::string& dir, const ImageLayout& layout = {},
                       UnreadableFiles unreadable = UnreadableFiles::refuse);

}  // namespace latent
