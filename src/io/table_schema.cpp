#include "latent/io/table_schema.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include "base/json_number.h"
#include "io/calendar_date.h"
#include "latent/base/error.h"
#include "latent/base/page_release.h"

namespace latent {
namespace {

/// The q-quantile of sorted values, linearly interpolated.
double quantile_of_sorted(const std::vector<float>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(position);
  const size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (position - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

/// The first and last day a date column writes: 0000-01-01 and 9999-12-31.
constexpr double kFirstDay = -719528, kLastDay = 2932896;

}  // namespace

/// A number as its column's style writes it: its decimals (7 significant digits when -1, never
/// "-0"), its thousands grouped, its currency or percent signs; a date column's as the nearest
/// day; quoted when that needs it.
std::string number_text(float value, const NumberStyle& style) {
  if (style.date && std::isfinite(value))
    return date_text(std::llround(std::clamp<double>(value, kFirstDay, kLastDay)), *style.date);
  double shown = value;
  if (style.decimals >= 0) {
    const double scale = std::pow(10.0, style.decimals);
    shown = std::nearbyint(shown * scale) / scale;
  }
  char digits[64];  // a float's 39 whole digits and 6 decimals fit
  if (style.decimals >= 0) std::snprintf(digits, sizeof digits, "%.*f", style.decimals, std::fabs(shown));
  else std::snprintf(digits, sizeof digits, "%.7g", std::fabs(shown));
  std::string text = digits;
  // Written with decimal points: a file's point between thousands would read as one.
  if (!style.group.empty() && style.group != "." && style.decimals >= 0)
    for (size_t i = std::min(text.find('.'), text.size()); i > 3; i -= 3) text.insert(i - 3, style.group);
  return csv_field((shown < 0 ? "-" : "") + style.prefix + text + style.suffix);
}

std::string cell_text(const RawData& raw, int64_t row, int64_t column) {
  const float read = raw.values[row * raw.features() + column];
  const TableColumns& table = raw.table;
  if (std::isnan(read)) return "";
  if (table.is_words[column]) return csv_field(table.words[column][static_cast<size_t>(read)]);
  return number_text(read,
                     column < static_cast<int64_t>(table.reading.size()) ? table.reading[column].style : NumberStyle{});
}

namespace {

/// Where each column's cells start in an encoded row.
std::vector<int64_t> encoded_offsets(const std::vector<TableColumn>& columns) {
  std::vector<int64_t> offsets;
  int64_t offset = 0;
  for (const TableColumn& column : columns) {
    offsets.push_back(offset);
    offset += column.width();
  }
  return offsets;
}

/// A column's cell of a reconstruction: the number unscaled, or the block's likeliest level.
void write_model_cell(std::ostringstream& out, const TableColumn& column, const float* cells) {
  if (!column.is_words) {
    out << number_text(cells[0] * column.scale + column.center, column.style);
    return;
  }
  const int64_t best = std::max_element(cells, cells + column.width()) - cells;
  out << (best < static_cast<int64_t>(column.levels.size()) ? csv_field(column.levels[best]) : "other");
}

NumberStyle style_from_json(const nlohmann::json& c, const std::string& name) {
  NumberStyle style;
  if (c.contains("decimals")) {
    const nlohmann::json& decimals = c.at("decimals");
    if (!decimals.is_number_integer() || decimals.get<int64_t>() < 0 ||
        decimals.get<int64_t>() > NumberStyle::kMaxDecimals)
      throw Error("table column '" + name + "' has decimals that are not a whole number in 0.." +
                  std::to_string(NumberStyle::kMaxDecimals));
    style.decimals = decimals.get<int>();
  }
  for (const auto& [key, text] :
       {std::pair{"prefix", &style.prefix}, {"suffix", &style.suffix}, {"group", &style.group}}) {
    if (!c.contains(key)) continue;
    if (c.at(key).is_string()) *text = c.at(key).get<std::string>();
    // A sign or a mark, as the CSV reader takes them: a few bytes, no digits, no line breaks.
    if (!c.at(key).is_string() || text->empty() || text->size() > 4 ||
        std::any_of(text->begin(), text->end(),
                    [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 0 && ch < ' '); }))
      throw Error("table column '" + name + "' has a " + key + " that is not a sign or a mark");
  }
  if (c.contains("date")) {
    const nlohmann::json& date = c.at("date");
    if (date.is_string()) style.date = date_form_named(date.get<std::string>());
    if (!style.date)
      throw Error("table column '" + name +
                  "' has a date form that is not YYYY-MM-DD, MM/DD/YYYY, DD.MM.YYYY or alike");
  }
  return style;
}

TableColumn fit_numbers(const std::string& name, std::vector<float> observed, Scaling scaling) {
  TableColumn column;
  column.name = name;
  if (observed.empty()) return column;
  double sum = 0, sum_sq = 0;
  for (float v : observed) {
    sum += v;
    sum_sq += static_cast<double>(v) * v;
  }
  const double mean = sum / observed.size();
  const double sd = std::sqrt(std::max(0.0, sum_sq / observed.size() - mean * mean));
  std::sort(observed.begin(), observed.end());
  double center = mean, spread = sd;
  if (scaling == Scaling::robust) {
    center = quantile_of_sorted(observed, 0.5);
    spread = quantile_of_sorted(observed, 0.75) - quantile_of_sorted(observed, 0.25);
    if (spread < 1e-12) spread = sd;  // a column mostly of one value: its IQR says nothing
  } else if (scaling == Scaling::minmax) {
    center = observed.front();
    spread = observed.back() - observed.front();
  }
  column.center = static_cast<float>(center);
  column.scale = spread > 1e-12 ? static_cast<float>(spread) : 1.0f;
  return column;
}

TableColumn fit_words(const std::string& name, const std::vector<std::string>& words,
                      const std::vector<int64_t>& counts, int64_t max_levels) {
  std::vector<size_t> order(words.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return counts[a] != counts[b] ? counts[a] > counts[b] : words[a] < words[b]; });
  TableColumn column;
  column.name = name;
  column.is_words = true;
  for (size_t i = 0; i < order.size() && static_cast<int64_t>(i) < max_levels; ++i)
    if (counts[order[i]] > 0) column.levels.push_back(words[order[i]]);
  return column;
}

}  // namespace

bool is_identifier(const RawData& raw, int64_t f) {
  constexpr int64_t kFewestRows = 20;
  const int64_t features = raw.features(), count = raw.count();
  if (count < kFewestRows) return false;
  auto cell = [&](int64_t row) { return raw.values[row * features + f]; };
  for (int64_t row = 0; row < count; ++row)
    if (std::isnan(cell(row))) return false;
  if (raw.table.is_words[f]) {
    std::vector<bool> seen(raw.table.words[f].size(), false);
    for (int64_t row = 0; row < count; ++row) {
      const size_t word = static_cast<size_t>(cell(row));
      if (seen[word]) return false;
      seen[word] = true;
    }
    return true;
  }
  for (int64_t row = 0; row < count; ++row)
    if (cell(row) != std::floor(cell(row)) || (row > 0 && cell(row) <= cell(row - 1))) return false;
  return true;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

TableSchema TableSchema::fit(const RawData& raw, const TableOptions& options) {
  if (options.max_levels < 1 || options.max_levels > 10000)
    throw SettingError("max levels", "must be between 1 and 10000");
  const TableColumns& table = raw.table;
  const int64_t features = raw.features(), count = raw.count();
  if (static_cast<int64_t>(table.names.size()) != features) throw Error("the table's columns are not known");
  TableSchema schema;
  schema.scaling = options.scaling;
  std::vector<TableColumn> words;
  std::vector<std::pair<bool, int64_t>>
      modelled;  // per modelled column in table order: words?, its index among its kind
  for (int64_t f = 0; f < features; ++f) {
    const bool kept = std::find(options.keep.begin(), options.keep.end(), table.names[f]) != options.keep.end();
    if (options.leave_out_identifiers && !kept && is_identifier(raw, f)) {
      schema.identifiers.push_back(table.names[f]);
      continue;
    }
    if (table.is_words[f]) {
      std::vector<int64_t> counts(table.words[f].size(), 0);
      for (int64_t i = 0; i < count; ++i) {
        const float v = raw.values[i * features + f];
        if (!std::isnan(v)) ++counts[static_cast<size_t>(v)];
      }
      modelled.emplace_back(true, static_cast<int64_t>(words.size()));
      words.push_back(fit_words(table.names[f], table.words[f], counts, options.max_levels));
      continue;
    }
    std::vector<float> observed;
    for (int64_t i = 0; i < count; ++i)
      if (!std::isnan(raw.values[i * features + f])) observed.push_back(raw.values[i * features + f]);
    modelled.emplace_back(false, static_cast<int64_t>(schema.columns.size()));
    schema.columns.push_back(fit_numbers(table.names[f], std::move(observed), options.scaling));
    if (static_cast<size_t>(f) < table.reading.size()) schema.columns.back().style = table.reading[f].style;
  }
  // In the encoded row the words follow the numbers.
  const int64_t numbers = static_cast<int64_t>(schema.columns.size());
  for (const auto& [is_words, index] : modelled) schema.table_order.push_back(is_words ? numbers + index : index);
  schema.columns.insert(schema.columns.end(), words.begin(), words.end());
  if (schema.columns.empty())
    throw Error("every column only tells the rows apart (" + schema.identifiers.front() +
                (schema.identifiers.size() > 1 ? ", ..." : "") +
                "): nothing for a model to learn; name a column with --numeric or --categorical to keep it");
  return schema;
}

int64_t TableSchema::width() const {
  int64_t width = 0;
  for (const TableColumn& column : columns) width += column.width();
  return width;
}

int64_t TableSchema::number_columns() const {
  return std::count_if(columns.begin(), columns.end(), [](const TableColumn& c) { return !c.is_words; });
}

std::vector<int64_t> TableSchema::block_widths() const {
  std::vector<int64_t> widths;
  for (const TableColumn& column : columns)
    if (column.is_words) widths.push_back(column.width());
  return widths;
}

std::vector<std::string> TableSchema::names(bool words) const {
  std::vector<std::string> out;
  for (const TableColumn& column : columns)
    if (column.is_words == words) out.push_back(column.name);
  return out;
}

std::vector<float> TableSchema::encode(RawData& raw) const {
  const TableColumns& table = raw.table;
  const int64_t features = raw.features(), count = raw.count(), encoded_width = width();
  if (static_cast<int64_t>(table.names.size()) != features)
    throw Error("the data is not a table with named columns; the model was trained on one");
  std::unordered_map<std::string, int64_t> index_of;
  for (int64_t f = 0; f < features; ++f) index_of.emplace(table.names[f], f);
  // Per column of the encoding: where it reads in a raw row, and a block's slot for each of the
  // data's words (its level, or "other").
  std::vector<int64_t> read_from;
  std::vector<std::vector<int64_t>> slots;
  for (const TableColumn& column : columns) {
    const auto found = index_of.find(column.name);
    if (found == index_of.end()) throw Error("the data has no column '" + column.name + "'; the model reads it");
    const int64_t f = found->second;
    if (table.is_words[f] != column.is_words)
      throw Error("column '" + column.name + "' holds " + (table.is_words[f] ? "words" : "numbers") +
                  "; the model reads it as " + (column.is_words ? "words" : "numbers"));
    std::vector<int64_t> slot;
    for (const std::string& word : column.is_words ? table.words[f] : std::vector<std::string>{}) {
      const auto level = std::find(column.levels.begin(), column.levels.end(), word);
      slot.push_back(level - column.levels.begin());
    }
    read_from.push_back(f);
    slots.push_back(std::move(slot));
  }
  // Reserved, then grown a row at a time: zeroing it all first would touch every page of the
  // output while every raw row is still held.
  std::vector<float> out;
  out.reserve(static_cast<size_t>(count * encoded_width));
  constexpr int64_t kRowsPerRelease = 16384;
  for (int64_t i = 0; i < count; ++i) {
    const float* raw_row = raw.values.data() + i * features;
    out.resize(out.size() + static_cast<size_t>(encoded_width));
    float* cell = out.data() + i * encoded_width;
    for (size_t c = 0; c < columns.size(); ++c) {
      const TableColumn& column = columns[c];
      const int64_t block = column.width();
      const float v = raw_row[read_from[c]];
      if (std::isnan(v)) std::fill(cell, cell + block, std::numeric_limits<float>::quiet_NaN());
      else if (column.is_words) cell[slots[c][static_cast<size_t>(v)]] = 1;
      else cell[0] = (v - column.center) / column.scale;
      cell += block;
    }
    if ((i + 1) % kRowsPerRelease == 0)
      release_pages(raw.values.data() + (i + 1 - kRowsPerRelease) * features, raw_row + features);
  }
  raw.values = {};
  return out;
}

std::vector<int64_t> TableSchema::written_order() const {
  if (!table_order.empty()) return table_order;
  std::vector<int64_t> order(columns.size());
  std::iota(order.begin(), order.end(), 0);
  return order;
}

std::string TableSchema::csv_header() const {
  std::string header;
  for (const int64_t c : written_order()) header += (header.empty() ? "" : ",") + csv_field(columns[c].name);
  return header;
}

std::string TableSchema::to_csv(const std::vector<float>& encoded, int64_t count) const {
  const int64_t encoded_width = width();
  if (static_cast<int64_t>(encoded.size()) != count * encoded_width)
    throw Error("reconstructions do not match the table's encoding");
  const std::vector<int64_t> offsets = encoded_offsets(columns), order = written_order();
  std::ostringstream out;
  for (int64_t i = 0; i < count; ++i) {
    for (const int64_t c : order) {
      if (c != order.front()) out << ",";
      write_model_cell(out, columns[c], encoded.data() + i * encoded_width + offsets[c]);
    }
    out << "\n";
  }
  return out.str();
}

std::string TableSchema::fill_csv(const std::vector<float>& encoded, const RawData& given) const {
  const int64_t count = given.count(), features = given.features(), encoded_width = width();
  const std::vector<std::string>& names = given.table.names;
  if (static_cast<int64_t>(encoded.size()) != count * encoded_width || static_cast<int64_t>(names.size()) != features)
    throw Error("reconstructions do not match the table given");
  std::vector<int64_t> modelled(static_cast<size_t>(features), -1);  // per column of `given`: its column here
  for (size_t c = 0; c < columns.size(); ++c) {
    const auto found = std::find(names.begin(), names.end(), columns[c].name);
    if (found == names.end()) throw Error("the table given has no column '" + columns[c].name + "'");
    modelled[static_cast<size_t>(found - names.begin())] = static_cast<int64_t>(c);
  }
  const std::vector<int64_t> offsets = encoded_offsets(columns);
  std::ostringstream out;
  for (int64_t f = 0; f < features; ++f) out << (f ? "," : "") << csv_field(names[f]);
  out << "\n";
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t f = 0; f < features; ++f) {
      if (f) out << ",";
      const int64_t c = modelled[f];
      if (!std::isnan(given.values[i * features + f])) out << cell_text(given, i, f);
      else if (c >= 0) write_model_cell(out, columns[c], encoded.data() + i * encoded_width + offsets[c]);
    }
    out << "\n";
  }
  return out.str();
}

nlohmann::json TableSchema::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const TableColumn& column : columns) {
    if (column.is_words) list.push_back({{"name", column.name}, {"kind", "words"}, {"levels", column.levels}});
    else
      list.push_back({{"name", column.name}, {"kind", "number"}, {"center", column.center}, {"scale", column.scale}});
    if (column.is_words) continue;
    const NumberStyle& style = column.style;
    if (style.decimals >= 0) list.back()["decimals"] = style.decimals;
    for (const auto& [key, text] :
         {std::pair{"prefix", &style.prefix}, {"suffix", &style.suffix}, {"group", &style.group}})
      if (!text->empty()) list.back()[key] = *text;
    if (style.date) list.back()["date"] = date_pattern(*style.date);
  }
  nlohmann::json j = {{"scaling", name_of(scaling)}, {"columns", list}};
  if (!identifiers.empty()) j["identifiers"] = identifiers;
  if (!table_order.empty()) j["table_order"] = table_order;
  return j;
}

TableSchema TableSchema::from_json(const nlohmann::json& j) {
  TableSchema schema;
  schema.scaling = parse_part<Scaling>("scaling", j.at("scaling").get<std::string>());
  bool seen_words = false;
  for (const nlohmann::json& c : j.at("columns")) {
    TableColumn column;
    column.name = c.at("name").get<std::string>();
    const std::string kind = c.at("kind").get<std::string>();
    if (kind == "words") {
      column.is_words = true;
      column.levels = c.at("levels").get<std::vector<std::string>>();
      if (column.levels.size() > 10000) throw Error("table column '" + column.name + "' has too many levels");
    } else if (kind == "number") {
      if (seen_words) throw Error("table columns of numbers must come before those of words");
      column.center = json_float(c.at("center"));
      column.scale = json_float(c.at("scale"));
      column.style = style_from_json(c, column.name);
      if (!(column.scale > 0)) throw Error("table column '" + column.name + "' has a scale that is not positive");
    } else {
      throw Error("table column kind '" + kind + "': expected number or words");
    }
    seen_words = seen_words || column.is_words;
    schema.columns.push_back(std::move(column));
  }
  if (schema.columns.empty()) throw Error("a table schema needs at least one column");
  if (j.contains("identifiers")) schema.identifiers = j.at("identifiers").get<std::vector<std::string>>();
  if (j.contains("table_order")) {
    schema.table_order = j.at("table_order").get<std::vector<int64_t>>();
    std::vector<int64_t> sorted = schema.table_order, every(schema.columns.size());
    std::sort(sorted.begin(), sorted.end());
    std::iota(every.begin(), every.end(), 0);
    if (sorted != every) throw Error("a table schema's table_order is not an order of its columns");
  }
  return schema;
}

}  // namespace latent
