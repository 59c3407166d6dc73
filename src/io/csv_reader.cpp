#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "latent/base/error.h"
#include "latent/base/read_bytes.h"
#include "latent/io/raw_data.h"

namespace latent {
namespace {

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    std::string_view field = line.substr(start, comma == std::string_view::npos ? line.npos : comma - start);
    while (!field.empty() && (field.front() == ' ' || field.front() == '\t')) field.remove_prefix(1);
    while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) field.remove_suffix(1);
    fields.push_back(field);
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

bool parse_number(std::string_view field, float& value) {
  if (field.empty() || field.size() > 64) return false;
  char buffer[65];
  field.copy(buffer, field.size());
  buffer[field.size()] = '\0';
  char* end = nullptr;
  errno = 0;
  value = std::strtof(buffer, &end);
  return end == buffer + field.size() && errno != ERANGE && std::isfinite(value);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The label's column index (columns when there is none), from the option and the header row
// (empty when the file has none).
size_t find_label_column(const std::string& label, const std::vector<std::string_view>& header, size_t columns,
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
        throw Error(name + ": columns '" + std::string(header[found]) + "' and '" + std::string(header[i]) +
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

}  // namespace

void CsvOptions::validate() const {
  if (label.empty()) throw Error("csv label=: expected a column name, first, last, none or auto");
  if (header != "auto" && header != "yes" && header != "no")
    throw Error("csv header=" + header + ": expected auto, yes or no");
}

RawData parse_csv(const std::string& text, const std::string& name, const CsvOptions& options) {
  options.validate();
  RawData raw;
  size_t columns = 0;
  size_t label_column = 0;
  size_t line_number = 0;
  size_t pos = 0;
  bool first_row = true;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    std::vector<std::string_view> fields = split_fields(line);
    std::vector<float> numbers(fields.size());
    size_t bad = fields.size();
    for (size_t i = 0; i < fields.size() && bad == fields.size(); ++i)
      if (!parse_number(fields[i], numbers[i])) bad = i;
    if (first_row) {
      first_row = false;
      columns = fields.size();
      bool header = options.header == "yes" || (options.header == "auto" && bad != fields.size());
      label_column = find_label_column(options.label, header ? fields : std::vector<std::string_view>{}, columns, name);
      if (label_column < columns)
        raw.label_column = header ? "'" + std::string(fields[label_column].substr(0, 40)) + "'"
                                  : "column " + std::to_string(label_column + 1);
      if (header) continue;
    }
    std::string where = name + ":" + std::to_string(line_number);
    if (fields.size() != columns)
      throw Error(where + ": " + std::to_string(fields.size()) + " fields, the first row has " +
                  std::to_string(columns));
    if (bad != fields.size())
      throw Error(where + ": column " + std::to_string(bad + 1) + " is not a number: '" +
                  std::string(fields[bad].substr(0, 40)) + "'");
    for (size_t i = 0; i < columns; ++i) {
      if (i == label_column) {
        float label = numbers[i];
        if (label != std::floor(label) || label < 0 || label > 1e6)
          throw Error(where + ": label '" + std::string(fields[i]) + "' is not a non-negative integer");
        raw.labels.push_back(static_cast<int64_t>(label));
      } else {
        raw.values.push_back(numbers[i]);
      }
    }
  }
  int64_t features = static_cast<int64_t>(columns) - (label_column < columns ? 1 : 0);
  if (raw.values.empty() || features <= 0) throw Error(name + ": no data rows");
  raw.sample_shape = {features};
  return raw;
}

RawData read_csv(const std::string& path, const CsvOptions& options) {
  options.validate();
  std::vector<unsigned char> bytes = read_bytes(path);
  return parse_csv(std::string(bytes.begin(), bytes.end()), path, options);
}

}  // namespace latent
