#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
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

#include "io/calendar_date.h"

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
  while (!field.empty() && (field.back() == ' ' || field.back() == '\t' || field.back() == '\r'))
    field.remove_suffix(1);
  return field;
}

/// How a file writes its cells: the character between them, and whether a decimal comma is read
/// (files that separate cells by anything else often write 1200,5 for 1200.5).
struct Dialect {
  char separator = ',';
  bool decimal_comma() const { return separator != ','; }
  char decimal_mark() const { return decimal_comma() ? ',' : '.'; }
};

/// The end of a quoted field that opens at `quote`: its closing quote (a doubled quote inside is
/// one quote of its text), or npos when the text ends first.
size_t closing_quote(std::string_view text, size_t quote) {
  for (size_t i = quote + 1; i < text.size(); ++i) {
    if (text[i] != '"') continue;
    if (i + 1 < text.size() && text[i + 1] == '"') ++i;
    else return i;
  }
  return std::string_view::npos;
}

/// Reads the record that starts at `pos`, the one grammar of every reading of a file (RFC 4180: a
/// field that opens, after blanks, with a double quote runs to its closing quote, separators and
/// line breaks included; a quote elsewhere is text). Returns where the record ends (its line
/// break or the text's end), or npos when a quoted field is still open at the text's end; fills
/// `fields`, when given, with its fields trimmed and unquoted (a doubled quote inside stays
/// doubled: the text only names a category). With blanks as the separator a run of them is one
/// break, and none opens or closes a record.
size_t scan_record(std::string_view text, size_t pos, char separator, std::vector<std::string_view>* fields) {
  if (fields) fields->clear();
  const bool by_blanks = separator == ' ';
  auto is_blank = [&](char c) { return (c == ' ' || c == '\t' || c == '\r') && (by_blanks || c != separator); };
  size_t line_end = std::min(text.find('\n', pos), text.size());
  for (size_t start = pos;;) {
    size_t at = start;
    while (at < text.size() && is_blank(text[at])) ++at;
    if (by_blanks && (at == text.size() || text[at] == '\n')) return at;
    size_t next = at;
    if (at < text.size() && text[at] == '"') {
      if ((next = closing_quote(text, at)) == std::string_view::npos) return next;
      if (next > line_end) line_end = std::min(text.find('\n', next), text.size());
    }
    if (by_blanks) {
      while (next < line_end && text[next] != ' ' && text[next] != '\t') ++next;
    } else {
      const void* hit = std::memchr(text.data() + next, separator, line_end - next);
      next = hit ? static_cast<size_t>(static_cast<const char*>(hit) - text.data()) : line_end;
    }
    if (fields) {
      std::string_view field = trim(text.substr(start, next - start));
      if (field.size() >= 2 && field.front() == '"' && field.back() == '"') field = field.substr(1, field.size() - 2);
      fields->push_back(field);
    }
    if (next == line_end) return next;
    start = next + 1;
  }
}

void split_fields(std::string_view record, char separator, std::vector<std::string_view>& fields) {
  scan_record(record, 0, separator, &fields);
}

constexpr std::string_view kSeparators = ",;\t| ";

/// The separator of a file from its first two records: of comma, semicolon, tab and bar, the one
/// that splits the first record into the most fields and the second into as many; else blanks
/// when they do so; else comma.
char detect_separator(std::string_view text) {
  char best = ',';
  size_t best_fields = 1;
  std::vector<std::string_view> fields;
  for (const char separator : kSeparators) {
    if (separator == ' ' && best_fields > 1) break;  // blanks are text in a file with separators
    size_t counts[2] = {0, 0}, found = 0;
    for (size_t pos = 0; pos < text.size() && found < 2;) {
      const size_t end = scan_record(text, pos, separator, &fields);
      if (end == std::string_view::npos) break;  // read so, a quote never closes: not this one
      if (fields.size() > 1 || (fields.size() == 1 && !fields[0].empty())) counts[found++] = fields.size();
      pos = end + 1;
    }
    if (found == 0 || (found == 2 && counts[1] != counts[0])) continue;
    if (counts[0] > best_fields) best = separator, best_fields = counts[0];
  }
  return best;
}

/// How a cell writes a number: not at all (a word), plainly (in the file's decimal mark: with a
/// decimal comma, 1234,5 and -2,25), formatted as spreadsheets show money, shares and large
/// numbers, as a calendar date (its days since 1970-01-01), or as an infinity, which no model
/// input can hold.
enum class Written { word, plain, formatted, date, infinite };

/// A number as from_chars reads the whole field (after an optional '+'): plain, infinite, or a
/// word when it is not one in that form.
Written read_plain(std::string_view field, float& value) {
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);
  if (field.empty() || field.size() > 64) return Written::word;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (end != field.data() + field.size()) return Written::word;
  if (error == std::errc::result_out_of_range || (error == std::errc() && std::isinf(value))) return Written::infinite;
  return error == std::errc() && !std::isnan(value) ? Written::plain : Written::word;
}

bool parse_number(std::string_view field, float& value) { return read_plain(field, value) == Written::plain; }

/// The currency signs a formatted number may carry before or after its digits (UTF-8 $ € £ ¥).
constexpr std::string_view kCurrencies[] = {"$", "\xE2\x82\xAC", "\xC2\xA3", "\xC2\xA5"};
/// Blanks that spreadsheets put around and inside numbers: space, tab, no-break and narrow no-break space.
constexpr std::string_view kBlanks[] = {" ", "\t", "\xC2\xA0", "\xE2\x80\xAF"};

bool take_front(std::string_view& text, std::string_view piece) {
  if (text.substr(0, piece.size()) != piece) return false;
  text.remove_prefix(piece.size());
  return true;
}

bool take_back(std::string_view& text, std::string_view piece) {
  if (text.size() < piece.size() || text.substr(text.size() - piece.size()) != piece) return false;
  text.remove_suffix(piece.size());
  return true;
}

/// The first of `pieces` the text starts (ends) with, taken off it; empty when none.
template <size_t N>
std::string_view take_one_front(std::string_view& text, const std::string_view (&pieces)[N]) {
  for (const std::string_view piece : pieces)
    if (take_front(text, piece)) return piece;
  return {};
}

template <size_t N>
std::string_view take_one_back(std::string_view& text, const std::string_view (&pieces)[N]) {
  for (const std::string_view piece : pieces)
    if (take_back(text, piece)) return piece;
  return {};
}

std::string_view trim_blanks(std::string_view text) {
  while (!take_one_front(text, kBlanks).empty()) {
  }
  while (!take_one_back(text, kBlanks).empty()) {
  }
  return text;
}

/// What a formatted number writes besides its digits and decimal mark (views of constants), or
/// the form of a date.
struct NumberForm {
  std::string_view prefix, suffix, group;
  std::optional<DateForm> date;
};

/// The number a cell writes, as the file's dialect and spreadsheets write them: 1.5e3; with a
/// decimal comma 1.234,5; formatted $1,200.50, -€3, 12 €, 45% (45: the number as written),
/// (1,200) for −1200, thousands grouped by threes with the mark the decimals do not use, a blank or
/// an apostrophe (1,234,567.5; 1 234,5; 1'234); a date (calendar_date.h: a year last between
/// slashes or dashes reads month first unless only day first is a date). `form`, when given, gets
/// what a formatted cell wrote around its digits, or the form of its date.
Written read_number(std::string_view field, float& value, const Dialect& dialect, NumberForm* form = nullptr) {
  if (const Written plain = read_plain(field, value); plain != Written::word) return plain;
  if (std::optional<DateForm> date = date_form_of(field)) {
    std::optional<int64_t> days = read_date(field, *date);
    if (!days && date->order == DateForm::Order::month_day_year) {
      date->order = DateForm::Order::day_month_year;
      days = read_date(field, *date);
    }
    if (!days) return Written::word;
    value = static_cast<float>(*days);
    if (form) form->date = date;
    return Written::date;
  }
  if (field.empty() || field.size() > 64) return Written::word;
  std::string_view s = field;
  bool negative = false, formatted = false;
  if (s.size() > 2 && s.front() == '(' && s.back() == ')') {
    negative = formatted = true;
    s = trim_blanks(s.substr(1, s.size() - 2));
  }
  // A sign and a currency sign, in either order, before the digits; a percent or currency sign after.
  bool sign = false, currency = false;
  for (bool took = true; took;) {
    s = trim_blanks(s);
    took = false;
    if (!sign && !s.empty() && (s.front() == '-' || s.front() == '+')) {
      negative = negative != (s.front() == '-');
      s.remove_prefix(1);
      sign = took = true;
    } else if (const std::string_view money = currency ? std::string_view() : take_one_front(s, kCurrencies);
               !money.empty()) {
      currency = took = formatted = true;
      if (form) form->prefix = money;
    }
  }
  const std::string_view after = take_back(s, "%") ? "%"
                                 : currency        ? std::string_view()
                                                   : take_one_back(s, kCurrencies);
  if (!after.empty()) {
    formatted = true;
    if (form) form->suffix = after;
  }
  s = trim_blanks(s);
  // The digits, in the plain form from_chars reads; thousands must come in threes, one mark throughout.
  const char decimal = dialect.decimal_mark();
  const std::string_view group_marks[] = {dialect.decimal_comma() ? "." : ",", " ", "'", "\xC2\xA0", "\xE2\x80\xAF"};
  char text[66];
  size_t length = 0, digits = 0, run = 0, groups = 0;  // run: digits since the last mark
  if (negative) text[length++] = '-';
  std::string_view mark_used;
  bool fraction = false;
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      text[length++] = c;
      ++digits, ++run, ++i;
      continue;
    }
    if (c == decimal && !fraction) {
      if (groups > 0 && run != 3) return Written::word;
      text[length++] = '.';
      fraction = true, ++i;
      continue;
    }
    std::string_view mark;
    for (const std::string_view candidate : group_marks)
      if (s.substr(i, candidate.size()) == candidate) {
        mark = candidate;
        break;
      }
    if (mark.empty() || fraction || (!mark_used.empty() && mark != mark_used) || run < 1 || run > 3 ||
        (groups > 0 && run != 3))
      return Written::word;
    mark_used = mark;
    ++groups, run = 0, i += mark.size();
  }
  if (digits == 0 || (groups > 0 && !fraction && run != 3)) return Written::word;
  if (form) form->group = mark_used;
  if (std::from_chars(text, text + length, value).ptr != text + length) return Written::word;
  if (!std::isfinite(value)) return Written::infinite;
  return formatted || groups > 0 ? Written::formatted : Written::plain;
}

/// The digits a number cell writes after its decimal mark; -1 when it writes an exponent. A file
/// of decimal commas reads a lone point as one (1.5, as from_chars reads it); points repeated
/// group thousands (1.234.567). Read from the end, as far as the last digits go: it runs on every
/// cell of a column of numbers.
int fraction_digits(std::string_view field, const Dialect& dialect) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t end = field.size();
  while (end > 0 && !digit(field[end - 1])) --end;  // a percent or currency sign, a blank, ')'
  size_t start = end;
  while (start > 0 && digit(field[start - 1])) --start;
  if (start == 0) return 0;
  const char before = field[start - 1];
  const bool signed_exponent =
      (before == '-' || before == '+') && start >= 2 && (field[start - 2] == 'e' || field[start - 2] == 'E');
  if (before == 'e' || before == 'E' || signed_exponent) return -1;
  const bool lone_point = before == '.' && dialect.decimal_comma() && field.find('.') == start - 1;
  return before == dialect.decimal_mark() || lone_point ? static_cast<int>(end - start) : 0;
}

/// Whether a cell writes a finite number, as read_number reads it.
bool parse_number(std::string_view field, float& value, const Dialect& dialect) {
  const Written written = read_number(field, value, dialect);
  return written == Written::plain || written == Written::formatted;
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

/// Empty, ?, NA, NaN, N/A, NULL, a dash (- -- – —: what printed tables put in a blank cell), or a
/// spreadsheet's error value (#N/A, #DIV/0!, ...).
bool is_missing(std::string_view field) {
  constexpr std::string_view kSpreadsheetErrors[] = {"#N/A",  "#DIV/0!", "#VALUE!", "#REF!",
                                                     "#NUM!", "#NAME?",  "#NULL!"};
  if (!field.empty() && field[0] == '#')
    return std::find(std::begin(kSpreadsheetErrors), std::end(kSpreadsheetErrors), field) !=
           std::end(kSpreadsheetErrors);
  switch (field.size()) {
    case 0:
      return true;
    case 1:
      return field[0] == '?' || field[0] == '-';
    case 2:
      return same_letters(field, "na") || field == "--";
    case 3:
      return same_letters(field, "nan") || same_letters(field, "n/a") || field == "\xE2\x80\x93" ||
             field == "\xE2\x80\x94";
    case 4:
      return same_letters(field, "null");
    default:
      return false;
  }
}

bool is_word(std::string_view field, const Dialect& dialect) {
  float unused;
  return !is_missing(field) && read_number(field, unused, dialect) == Written::word;
}

/// auto: a header when the first row is all words, or has a word above a number of the second.
bool is_header(const std::vector<std::string_view>& first, const std::vector<std::string_view>& second,
               const Dialect& dialect) {
  if (std::all_of(first.begin(), first.end(), [&](std::string_view field) { return is_word(field, dialect); }))
    return true;
  float unused;
  for (size_t i = 0; i < first.size() && i < second.size(); ++i)
    if (is_word(first[i], dialect) && parse_number(second[i], unused, dialect)) return true;
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

/// The text's records that hold data, without their line ends, and the line each starts on.
struct Lines {
  std::vector<std::string_view> text;
  std::vector<size_t> number;
};

Error unclosed_quote(std::string_view text, size_t pos, const std::string& name) {
  const size_t line =
      static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(pos), '\n')) + 1;
  return Error(name + ":" + std::to_string(line) + ": a quoted field opens on this line and is never closed");
}

Lines split_lines(std::string_view text, char separator, const std::string& name, const ReleaseText& release) {
  Lines lines;
  size_t pos = 0, number = 1, released = 0;
  while (pos < text.size()) {
    if (pos - released > kReleaseBytes) release(text.data() + (released = pos));
    size_t end = std::min(text.find('\n', pos), text.size());
    if (std::memchr(text.data() + pos, '"', end - pos)) end = scan_record(text, pos, separator, nullptr);
    if (end == std::string_view::npos) throw unclosed_quote(text, pos, name);
    std::string_view line(text.data() + pos, end - pos);
    const size_t first = number;
    number += static_cast<size_t>(std::count(line.begin(), line.end(), '\n')) + 1;
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    lines.text.push_back(line);
    lines.number.push_back(first);
  }
  return lines;
}

/// The separator options name, or the one the text's first two records use (auto).
char file_separator(std::string_view text, const CsvOptions& options) {
  if (options.separator != "auto")
    return options.separator == "comma"       ? ','
           : options.separator == "semicolon" ? ';'
           : options.separator == "tab"       ? '\t'
           : options.separator == "bar"       ? '|'
                                              : ' ';
  return detect_separator(text);
}

/// A column's numbers while they are read: how they were written, and what the cells disagree on.
struct NumbersRead {
  NumberReading reading;
  int64_t count = 0;
  bool seen_thousands = false, affixes_differ = false, groups_differ = false;
  /// Dates with the year last between slashes or dashes: some cell is no date month first (day first).
  bool month_first_fails = false, day_first_fails = false;

  /// A cell of numbers read: counted if formatted, and what it tells of the column's style.
  void saw(std::string_view field, float value, Written written, const NumberForm& form, const Dialect& dialect) {
    if (written == Written::formatted && reading.formatted++ == 0) reading.example = field.substr(0, 40);
    NumberStyle& style = reading.style;
    if (count == 0 || style.decimals >= 0) {
      const int digits = fraction_digits(field, dialect);
      style.decimals = digits < 0 || digits > NumberStyle::kMaxDecimals ? -1
                       : count == 0                                     ? digits
                                                                        : std::max(style.decimals, digits);
    }
    if (form.date) saw_date(field, *form.date);
    if (count++ == 0) {
      style.prefix = form.prefix;
      style.suffix = form.suffix;
      style.date = form.date;
    } else if (!affixes_differ && (form.prefix.size() + form.suffix.size() > 0 || !style.prefix.empty() ||
                                   !style.suffix.empty())) {  // the common case, a plain number, compares nothing
      affixes_differ = form.prefix != style.prefix || form.suffix != style.suffix;
    }
    if (std::fabs(value) >= 1000) {  // a number that groups its thousands, or could have
      if (!seen_thousands) style.group = form.group;
      else if (form.group != style.group) groups_differ = true;
      seen_thousands = true;
    }
  }
  /// A date cell: whether the column still pads its months and days, and, with the year last,
  /// which orders read it.
  void saw_date(std::string_view field, DateForm form) {
    if (reading.style.date) reading.style.date->padded = reading.style.date->padded && form.padded;
    if (form.order == DateForm::Order::year_month_day || form.mark == '.') return;
    form.order = DateForm::Order::month_day_year;
    month_first_fails = month_first_fails || !read_date(field, form);
    form.order = DateForm::Order::day_month_year;
    day_first_fails = day_first_fails || !read_date(field, form);
  }
  /// The reading, its style kept only where the cells agree.
  NumberReading finished() const {
    NumberReading done = reading;
    if (affixes_differ) done.style.prefix = done.style.suffix = "";
    if (groups_differ) done.style.group = "";
    return done;
  }
};

/// One feature column while reading: how its cells are read, and its words so far.
struct ColumnReader {
  enum class Kind { automatic, words, numbers } kind = Kind::automatic;
  // The index's keys view the strings of `words` (a deque: they never move), not the file's
  // text, whose pages are handed back as the parse passes them.
  std::deque<std::string> words;
  std::unordered_map<std::string_view, float> word_index;
  size_t rows_before_words = 0;  ///< automatic: the rows read before its first word
  NumbersRead numbers;           ///< while it holds numbers

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
  if (separator != "auto" && separator != "comma" && separator != "semicolon" && separator != "tab" &&
      separator != "bar" && separator != "space")
    throw Error("csv sep=" + separator + ": expected auto, comma, semicolon, tab, bar or space");
}

namespace {

/// Labels from their cells: non-negative integers as they are; words (when any cell is one)
/// numbered in sorted order, so that files of one data set number their classes alike.
void read_labels(const std::vector<std::string_view>& texts, const size_t* line_numbers, const std::string& name,
                 const Dialect& dialect, RawData& raw) {
  float value = 0;
  const bool words = std::any_of(texts.begin(), texts.end(),
                                 [&](std::string_view text) { return !parse_number(text, value, dialect); });
  if (!words) {
    for (size_t r = 0; r < texts.size(); ++r) {
      parse_number(texts[r], value, dialect);
      if (value != std::floor(value) || value < 0 || value > 1e6)
        throw Error(name + ":" + std::to_string(line_numbers[r]) + ": label '" + std::string(texts[r].substr(0, 40)) +
                    "' is not a non-negative integer or a word (a measured target is a feature: label=none)");
      raw.labels.push_back(static_cast<int64_t>(value));
    }
    return;
  }
  std::vector<std::string_view> classes = texts;
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  for (const std::string_view text : texts)
    raw.labels.push_back(std::lower_bound(classes.begin(), classes.end(), text) - classes.begin());
  raw.label_names.assign(classes.begin(), classes.end());
}

/// scikit-learn's bundled tables open with a line "N,D[,class names...]": N rows of D features and
/// the target follow (after a header row, in some). The class names it gives (none for a measured
/// target) when the first record is such a line.
std::optional<std::vector<std::string>> sklearn_preamble(const Lines& lines, const Dialect& dialect) {
  if (lines.text.size() < 2) return std::nullopt;
  std::vector<std::string_view> first, second, third;
  split_fields(lines.text[0], dialect.separator, first);
  split_fields(lines.text[1], dialect.separator, second);
  if (lines.text.size() > 2) split_fields(lines.text[2], dialect.separator, third);
  float rows = 0, features = 0;
  if (first.size() < 2 || !parse_number(first[0], rows) || !parse_number(first[1], features)) return std::nullopt;
  const size_t data_rows = lines.text.size() - (is_header(second, third, dialect) ? 2 : 1);
  if (rows != static_cast<float>(data_rows) || features + 1 != static_cast<float>(second.size())) return std::nullopt;
  std::vector<std::string> names;
  for (size_t i = 2; i < first.size(); ++i)
    if (!is_missing(first[i])) names.emplace_back(first[i]);
  return names;
}

/// parse_csv on text that read_csv need not copy; `release` is told how far the parse has read.
RawData parse_text(std::string_view text, const std::string& name, const CsvOptions& options,
                   const ReleaseText& release) {
  options.validate();
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 byte order mark
  const Dialect dialect{file_separator(text, options)};
  Lines lines = split_lines(text, dialect.separator, name, release);
  if (lines.text.empty()) throw Error(name + ": no data rows");
  const auto preamble = options.header == "auto" ? sklearn_preamble(lines, dialect) : std::nullopt;
  const size_t top = preamble ? 1 : 0;  // the first record after the preamble
  // Its class names say the last column is the label.
  const std::string label = options.label == "auto" && preamble && !preamble->empty() ? "last" : options.label;
  std::vector<std::string_view> fields, second;
  split_fields(lines.text[top], dialect.separator, fields);
  if (lines.text.size() > top + 1) split_fields(lines.text[top + 1], dialect.separator, second);
  const size_t columns = fields.size();
  const bool header = options.header == "yes" || (options.header == "auto" && is_header(fields, second, dialect));
  std::vector<std::string> names;
  for (size_t i = 0; i < columns; ++i)
    names.push_back(header ? std::string(fields[i].substr(0, 200)) : "column " + std::to_string(i + 1));
  if (preamble && !header) names.back() = "target";
  RawData raw;
  const size_t label_column = find_label_column(label, header ? names : std::vector<std::string>{}, columns, name);
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

  const size_t first_row = top + (header ? 1 : 0);
  const size_t rows = lines.text.size() - first_row;
  if (rows == 0) throw Error(name + ": no data rows");
  raw.values.resize(rows * features);
  std::vector<std::string_view> label_texts;
  for (size_t r = 0; r < rows; ++r) {
    const size_t line = first_row + r;
    if (r % 4096 == 0) release(lines.text[line].data());
    split_fields(lines.text[line], dialect.separator, fields);
    auto where = [&] { return name + ":" + std::to_string(lines.number[line]); };
    if (fields.size() != columns)
      throw Error(where() + ": " + std::to_string(fields.size()) + " fields, the first row has " +
                  std::to_string(columns));
    if (label_column < columns) {
      if (is_missing(fields[label_column])) throw Error(where() + ": the row has no label");
      label_texts.push_back(fields[label_column]);
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
        continue;
      }
      NumberForm form;
      const Written written = read_number(field, row[f], dialect, &form);
      if (written == Written::infinite) {
        row[f] = kMissing;
        --observed;
        ++reader.numbers.reading.infinite;
      } else if (written == Written::word ||
                 (reader.kind == ColumnReader::Kind::automatic && reader.numbers.count > 0 &&
                  (written == Written::date) != reader.numbers.reading.style.date.has_value())) {
        // Dates beside other numbers are neither a time line nor a measure: the column is words.
        if (reader.kind == ColumnReader::Kind::numbers)
          throw Error(where() + ": column '" + names[feature_columns[f]] + "' is not a number: '" +
                      std::string(field.substr(0, 40)) + "'");
        reader.kind = ColumnReader::Kind::words;
        reader.rows_before_words = r;
        reader.numbers = {};
        row[f] = reader.word(field);
      } else {
        reader.numbers.saw(field, row[f], written, form, dialect);
      }
    }
    if (observed == 0) throw Error(where() + ": every value of the row is missing");
  }
  // Dates with the year last read month first; when some cell is a date only day first, every cell
  // is read so, and when neither order reads every cell, the column holds words.
  for (size_t f = 0; f < features; ++f) {
    ColumnReader& reader = readers[f];
    if (!reader.numbers.month_first_fails) continue;
    if (reader.numbers.day_first_fails) {
      if (reader.kind == ColumnReader::Kind::numbers)
        throw Error(name + ": column '" + names[feature_columns[f]] + "' writes dates neither month nor day first");
      reader.kind = ColumnReader::Kind::words;
      reader.rows_before_words = rows;
      reader.numbers = {};
      continue;
    }
    reader.numbers.reading.style.date->order = DateForm::Order::day_month_year;
    for (size_t r = 0; r < rows; ++r) {
      if (r % 4096 == 0) release(lines.text[first_row + r].data());
      split_fields(lines.text[first_row + r], dialect.separator, fields);
      std::optional<DateForm> form = date_form_of(fields[feature_columns[f]]);
      if (!form || form->order != DateForm::Order::month_day_year) continue;
      form->order = DateForm::Order::day_month_year;
      if (const auto days = read_date(fields[feature_columns[f]], *form))
        raw.values[r * features + f] = static_cast<float>(*days);
    }
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
      split_fields(lines.text[first_row + r], dialect.separator, fields);
      const std::string_view field = fields[feature_columns[f]];
      if (!is_missing(field)) raw.values[r * features + f] = reader.word(field);
    }
  }
  if (!label_texts.empty()) read_labels(label_texts, lines.number.data() + first_row, name, dialect, raw);
  if (preamble && raw.label_names.empty() && !raw.labels.empty() &&
      *std::max_element(raw.labels.begin(), raw.labels.end()) < static_cast<int64_t>(preamble->size()))
    raw.label_names = *preamble;
  for (size_t f = 0; f < features; ++f) {
    raw.table.names.push_back(names[feature_columns[f]]);
    raw.table.is_words.push_back(readers[f].kind == ColumnReader::Kind::words);
    raw.table.reading.push_back(readers[f].numbers.finished());
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
