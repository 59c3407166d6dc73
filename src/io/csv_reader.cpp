#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <functional>
#include <limits>
#include <string_view>
#include <unordered_map>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "latent/base/error.h"
#include "latent/base/page_release.h"
#include "latent/base/read_bytes.h"
#include "latent/io/raw_data.h"

namespace latent {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
/// How much text is parsed between two hand-backs of its pages.
constexpr size_t kReleaseBytes = size_t{16} << 20;

/// Called with a position in the text: everything before it has been read (for now; a later
/// pass may read it again).
using ReleaseText = std::function<void(const char*)>;

std::string_view trim(std::string_view field) {
  while (!field.empty() && (field.front() == ' ' || field.front() == '\t')) field.remove_prefix(1);
  while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) field.remove_suffix(1);
  return field;
}

/// Splits on commas outside double quotes; a quoted field loses its quotes (a doubled quote
/// inside stays doubled: the text only names a category).
void split_fields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  if (line.find('"') == std::string_view::npos) {  // most lines: no quotes, split at each comma
    size_t start = 0;
    while (true) {
      const size_t comma = line.find(',', start);
      fields.push_back(trim(line.substr(start, comma == std::string_view::npos ? line.npos : comma - start)));
      if (comma == std::string_view::npos) return;
      start = comma + 1;
    }
  }
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i < line.size() && line[i] == '"') quoted = !quoted;
    if (i < line.size() && (quoted || line[i] != ',')) continue;
    std::string_view field = trim(line.substr(start, i - start));
    if (field.size() >= 2 && field.front() == '"' && field.back() == '"') field = field.substr(1, field.size() - 2);
    fields.push_back(field);
    start = i + 1;
  }
}

bool parse_number(std::string_view field, float& value) {
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);
  if (field.empty() || field.size() > 64) return false;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  return end == field.data() + field.size() && error == std::errc() && std::isfinite(value);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool same_letters(std::string_view field, std::string_view lower_word) {
  if (field.size() != lower_word.size()) return false;
  for (size_t i = 0; i < field.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(field[i])) != lower_word[i]) return false;
  return true;
}

bool is_missing(std::string_view field) {
  switch (field.size()) {
    case 0:
      return true;
    case 1:
      return field[0] == '?';
    case 2:
      return same_letters(field, "na");
    case 3:
      return same_letters(field, "nan") || same_letters(field, "n/a");
    case 4:
      return same_letters(field, "null");
    default:
      return false;
  }
}

bool is_word(std::string_view field) {
  float unused;
  return !is_missing(field) && !parse_number(field, unused);
}

/// auto: a header when the first row is all words, or has a word above a number of the second.
bool is_header(const std::vector<std::string_view>& first, const std::vector<std::string_view>& second) {
  if (std::all_of(first.begin(), first.end(), is_word)) return true;
  float unused;
  for (size_t i = 0; i < first.size() && i < second.size(); ++i)
    if (is_word(first[i]) && parse_number(second[i], unused)) return true;
  return false;
}

// The label's column index (columns when there is none), from the option and the header row
// (empty when the file has none).
size_t find_label_column(const std::string& label, const std::vector<std::string>& header, size_t columns,
                         const std::string& name) {
  if (label == "none") return columns;
  if (label == "first") return 0;
  if (label == "last") return columns - 1;
  if (label == "auto") {
    size_t found = columns;
    for (size_t i = 0; i < header.size(); ++i) {
      const std::string field = lower(header[i]);
      if (field != "label" && field != "class" && field != "target") continue;
      if (found != columns)
        throw Error(name + ": columns '" + header[found] + "' and '" + header[i] +
                    "' could both be the label; name one with label=NAME (or label=none)");
      found = i;
    }
    return found;
  }
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == label) return i;
  throw Error(name + ": label=" + label + ": " +
              (header.empty() ? std::string("the file has no header row") : "no column has that name") +
              " (expected a header name, first, last, none or auto)");
}

/// The text's lines that hold data, without their line ends, and each one's line number.
struct Lines {
  std::vector<std::string_view> text;
  std::vector<size_t> number;
};
Lines split_lines(std::string_view text, const ReleaseText& release) {
  Lines lines;
  size_t pos = 0, number = 0, released = 0;
  while (pos < text.size()) {
    if (pos - released > kReleaseBytes) release(text.data() + (released = pos));
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    lines.text.push_back(line);
    lines.number.push_back(number);
  }
  return lines;
}

/// One feature column while reading: how its cells are read, and its words so far.
struct ColumnReader {
  enum class Kind { automatic, words, numbers } kind = Kind::automatic;
  // The index's keys view the strings of `words` (a deque: they never move), not the file's
  // text, whose pages are handed back as the parse passes them.
  std::deque<std::string> words;
  std::unordered_map<std::string_view, float> word_index;
  size_t rows_before_words = 0;  ///< automatic: the rows read before its first word

  float word(std::string_view text) {
    if (const auto it = word_index.find(text); it != word_index.end()) return it->second;
    words.emplace_back(text);
    return word_index.emplace(words.back(), static_cast<float>(words.size() - 1)).first->second;
  }
};

size_t column_named(const std::vector<std::string>& names, const std::string& name, const std::string& file) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return i;
  std::string list;
  for (size_t i = 0; i < names.size() && i < 12; ++i) list += (i ? ", " : "") + names[i];
  throw Error(file + ": no column named '" + name + "' (the columns are " + list + (names.size() > 12 ? ", ..." : "") +
              ")");
}

}  // namespace

bool TableColumns::has_words() const { return std::find(is_words.begin(), is_words.end(), true) != is_words.end(); }

void CsvOptions::validate() const {
  if (label.empty()) throw Error("csv label=: expected a column name, first, last, none or auto");
  if (header != "auto" && header != "yes" && header != "no")
    throw Error("csv header=" + header + ": expected auto, yes or no");
}

namespace {

/// parse_csv on text that read_csv need not copy; `release` is told how far the parse has read.
RawData parse_text(std::string_view text, const std::string& name, const CsvOptions& options,
                   const ReleaseText& release) {
  options.validate();
  const Lines lines = split_lines(text, release);
  if (lines.text.empty()) throw Error(name + ": no data rows");
  std::vector<std::string_view> fields, second;
  split_fields(lines.text[0], fields);
  if (lines.text.size() > 1) split_fields(lines.text[1], second);
  const size_t columns = fields.size();
  const bool header = options.header == "yes" || (options.header == "auto" && is_header(fields, second));
  std::vector<std::string> names;
  for (size_t i = 0; i < columns; ++i)
    names.push_back(header ? std::string(fields[i].substr(0, 200)) : "column " + std::to_string(i + 1));
  RawData raw;
  const size_t label_column =
      find_label_column(options.label, header ? names : std::vector<std::string>{}, columns, name);
  if (label_column < columns)
    raw.label_column = header ? "'" + names[label_column].substr(0, 40) + "'" : names[label_column];

  // Which columns are features, and how each is read.
  std::vector<bool> ignored(columns, false);
  for (const std::string& column : options.columns.ignore) ignored[column_named(names, column, name)] = true;
  if (label_column < columns) ignored[label_column] = true;
  std::vector<size_t> feature_columns;
  for (size_t i = 0; i < columns; ++i)
    if (!ignored[i]) feature_columns.push_back(i);
  const size_t features = feature_columns.size();
  if (features == 0) throw Error(name + ": no feature columns (every column is the label or ignored)");
  std::vector<ColumnReader> readers(features);
  auto feature_named = [&](const std::string& column) {
    const size_t c = column_named(names, column, name);
    const auto it = std::find(feature_columns.begin(), feature_columns.end(), c);
    if (it == feature_columns.end()) throw Error(name + ": column '" + column + "' is the label or ignored");
    return static_cast<size_t>(it - feature_columns.begin());
  };
  for (const std::string& column : options.columns.words)
    readers[feature_named(column)].kind = ColumnReader::Kind::words;
  for (const std::string& column : options.columns.numbers)
    readers[feature_named(column)].kind = ColumnReader::Kind::numbers;

  const size_t first_row = header ? 1 : 0;
  const size_t rows = lines.text.size() - first_row;
  if (rows == 0) throw Error(name + ": no data rows");
  raw.values.resize(rows * features);
  for (size_t r = 0; r < rows; ++r) {
    const size_t line = first_row + r;
    if (r % 4096 == 0) release(lines.text[line].data());
    split_fields(lines.text[line], fields);
    auto where = [&] { return name + ":" + std::to_string(lines.number[line]); };
    if (fields.size() != columns)
      throw Error(where() + ": " + std::to_string(fields.size()) + " fields, the first row has " +
                  std::to_string(columns));
    if (label_column < columns) {
      float label = 0;
      if (!parse_number(fields[label_column], label) || label != std::floor(label) || label < 0 || label > 1e6)
        throw Error(where() + ": label '" + std::string(fields[label_column].substr(0, 40)) +
                    "' is not a non-negative integer");
      raw.labels.push_back(static_cast<int64_t>(label));
    }
    float* row = raw.values.data() + r * features;
    size_t observed = 0;
    for (size_t f = 0; f < features; ++f) {
      const std::string_view field = fields[feature_columns[f]];
      ColumnReader& reader = readers[f];
      if (is_missing(field)) {
        row[f] = kMissing;
        continue;
      }
      ++observed;
      if (reader.kind == ColumnReader::Kind::words) {
        row[f] = reader.word(field);
      } else if (!parse_number(field, row[f])) {
        if (reader.kind == ColumnReader::Kind::numbers)
          throw Error(where() + ": column '" + names[feature_columns[f]] + "' is not a number: '" +
                      std::string(field.substr(0, 40)) + "'");
        reader.kind = ColumnReader::Kind::words;
        reader.rows_before_words = r;
        row[f] = reader.word(field);
      }
    }
    if (observed == 0) throw Error(where() + ": every value of the row is missing");
  }
  // A column that turned out to hold words after rows of numbers is read again, all of it, so
  // that its words are numbered in order of appearance whatever said it holds words.
  for (size_t f = 0; f < features; ++f) {
    ColumnReader& reader = readers[f];
    if (reader.rows_before_words == 0) continue;
    reader.word_index.clear();
    reader.words.clear();
    for (size_t r = 0; r < rows; ++r) {
      if (r % 4096 == 0) release(lines.text[first_row + r].data());
      split_fields(lines.text[first_row + r], fields);
      const std::string_view field = fields[feature_columns[f]];
      if (!is_missing(field)) raw.values[r * features + f] = reader.word(field);
    }
  }
  for (size_t f = 0; f < features; ++f) {
    raw.table.names.push_back(names[feature_columns[f]]);
    raw.table.is_words.push_back(readers[f].kind == ColumnReader::Kind::words);
    raw.table.words.emplace_back(std::make_move_iterator(readers[f].words.begin()),
                                 std::make_move_iterator(readers[f].words.end()));
  }
  raw.sample_shape = {static_cast<int64_t>(features)};
  return raw;
}

}  // namespace

RawData parse_csv(const std::string& text, const std::string& name, const CsvOptions& options) {
  return parse_text(text, name, options, [](const char*) {});
}

namespace {

/// A plain file's text mapped read-only, so that the pages the parse has passed can be dropped
/// (they are the file's: a later read faults them back in). Empty when the file is not a plain
/// file of text (a pipe, or gzip data, which read_bytes inflates).
class MappedText {
 public:
  explicit MappedText(const std::string& path) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    unsigned char magic[2] = {0, 0};
    const bool plain = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
                       static_cast<size_t>(st.st_size) <= kMaxFileBytes && pread(fd, magic, 2, 0) >= 0 &&
                       !(magic[0] == 0x1f && magic[1] == 0x8b);
    if (plain) {
      void* at = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (at != MAP_FAILED) text_ = std::string_view(static_cast<const char*>(at), static_cast<size_t>(st.st_size));
    }
    if (fd >= 0) close(fd);
  }
  ~MappedText() {
    if (!text_.empty()) munmap(const_cast<char*>(text_.data()), text_.size());
  }
  MappedText(const MappedText&) = delete;
  MappedText& operator=(const MappedText&) = delete;

  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
};

}  // namespace

RawData read_csv(const std::string& path, const CsvOptions& options) {
  options.validate();
  const MappedText mapped(path);
  // The whole prefix each time: pages already dropped cost nothing, and a second pass over the
  // text (a column that turns to words late) is dropped behind as well.
  if (!mapped.text().empty())
    return parse_text(mapped.text(), path, options,
                      [&](const char* read_up_to) { release_pages(mapped.text().data(), read_up_to); });
  const std::vector<unsigned char> bytes = read_bytes(path);
  return parse_text(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path, options,
                    [](const char*) {});
}

}  // namespace latent
