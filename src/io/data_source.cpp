#include "latent/io/data_source.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <optional>
#include <string_view>

#include "latent/base/error.h"
#include "latent/io/pack_file.h"
#include "latent_source_dir.h"

namespace latent {
namespace {

namespace fs = std::filesystem;

// First file in dir whose name starts with prefix ("train-images", "t10k-labels", ...).
std::string find_idx_file(const std::string& dir, const std::string& prefix) {
  std::error_code ec;
  std::vector<std::string> matches;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().filename().string().rfind(prefix, 0) == 0) matches.push_back(entry.path().string());
  if (ec) throw Error("idx:" + dir + ": cannot list the directory (" + ec.message() + ")");
  if (matches.empty()) throw Error(dir + ": no file named " + prefix + "-idx*-ubyte[.gz]");
  std::sort(matches.begin(), matches.end());  // prefer the raw file over .gz when both exist
  return matches.front();
}

RawData read_idx_dir(const std::string& dir, const std::string& split) {
  std::string stem = split == "train" ? "train" : "t10k";
  return read_idx_pair(find_idx_file(dir, stem + "-images"), find_idx_file(dir, stem + "-labels"));
}

std::string find_named_dataset(const std::string& name) {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("LATENT_DATA")) candidates.push_back(std::string(env) + "/" + name);
  candidates.push_back("data/" + name);
  candidates.push_back(std::string(LATENT_SOURCE_DIR) + "/data/" + name);
  candidates.push_back("/usr/share/datasets/" + name);
  std::error_code ec;
  for (const auto& dir : candidates)
    if (fs::is_directory(dir, ec)) return dir;
  std::string tried;
  for (const auto& dir : candidates) tried += " " + dir;
  throw Error(name + " not found (looked in" + tried + "); run scripts/setup.sh or set LATENT_DATA");
}

RawData read_csv_spec(const std::string& path, const std::string& option_text, const ColumnChoice& columns) {
  // key=value,key=value
  CsvOptions options;
  options.columns = columns;
  size_t begin = 0;
  while (!option_text.empty() && begin != std::string::npos) {
    size_t next = option_text.find(',', begin);
    std::string option = option_text.substr(begin, next == std::string::npos ? std::string::npos : next - begin);
    size_t eq = option.find('=');
    std::string key = option.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : option.substr(eq + 1);
    if (key == "label") options.label = value;
    else if (key == "header") options.header = value;
    else if (key == "sep") options.separator = value;
    else
      throw Error(
          "csv option '" + option +
          "': expected label=NAME|first|last|none|auto, header=auto|yes|no or sep=auto|comma|semicolon|tab|bar|space");
    begin = next == std::string::npos ? next : next + 1;
  }
  return read_csv(path, options);
}

/// A source named by its path alone: a table by its extension (.csv, .tsv, gzipped or not; its
/// options after a comma), a pack by its, a folder of images.
std::optional<DataSource> source_of_path(const std::string& data) {
  const size_t comma = data.find(',');
  std::string path = data.substr(0, comma), extension = path;
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  const auto ends_with = [&](std::string_view end) {
    return extension.size() > end.size() && extension.compare(extension.size() - end.size(), end.size(), end) == 0;
  };
  for (const std::string_view table : {".csv", ".tsv", ".csv.gz", ".tsv.gz"})
    if (ends_with(table))
      return DataSource{DataSource::Kind::csv, path, comma == std::string::npos ? "" : data.substr(comma + 1)};
  if (comma != std::string::npos) return std::nullopt;
  if (ends_with(".lpk")) return DataSource{DataSource::Kind::pack, path, ""};
  std::error_code ec;
  if (fs::is_directory(path, ec)) return DataSource{DataSource::Kind::images, path, ""};
  return std::nullopt;
}

}  // namespace

DataSource DataSource::parse(const std::string& data) {
  if (data == "mnist" || data == "fashion-mnist") return {Kind::named, data, ""};
  if (data == "emoji-apple" || data == "emoji-facebook")
    return {Kind::images, find_named_dataset("emoji/" + data.substr(data.find('-') + 1)), ""};
  const size_t colon = data.find(':');
  const std::string prefix = data.substr(0, colon), rest = colon == std::string::npos ? "" : data.substr(colon + 1);
  if (!rest.empty()) {
    if (prefix == "idx") return {Kind::idx, rest, ""};
    if (prefix == "images") return {Kind::images, rest, ""};
    if (prefix == "pack") return {Kind::pack, rest, ""};
    if (prefix == "csv") {
      const size_t comma = rest.find(',');
      return {Kind::csv, rest.substr(0, comma), comma == std::string::npos ? "" : rest.substr(comma + 1)};
    }
  }
  if (const auto source = source_of_path(data)) return *source;
  throw SettingError("data", data +
                                 ": expected mnist, fashion-mnist, emoji-apple, emoji-facebook, idx:DIR, csv:FILE, "
                                 "images:DIR, pack:FILE, or a FILE.csv, FILE.tsv, FILE.lpk or folder of images");
}

RawData load_raw(const std::string& data, const std::string& split, int64_t limit, const ImageLayout& layout,
                 const ColumnChoice& columns, UnreadableFiles unreadable) {
  if (split != "train" && split != "test") throw SettingError("split", split + ": expected train or test");
  const DataSource source = DataSource::parse(data);
  RawData raw;
  switch (source.kind) {
    case DataSource::Kind::named:
      raw = read_idx_dir(find_named_dataset(source.location), split);
      break;
    case DataSource::Kind::idx:
      raw = read_idx_dir(source.location, split);
      break;
    case DataSource::Kind::csv:
      raw = read_csv_spec(source.location, source.options, columns);
      break;
    case DataSource::Kind::images:
      raw = read_image_dir(source.location, layout, unreadable);
      break;
    case DataSource::Kind::pack: {
      // Read whole here; train, encode, eval and index read a pack of images batch by batch instead.
      const PackFile pack(source.location);
      std::vector<int64_t> rows(static_cast<size_t>(limit > 0 ? std::min(limit, pack.count()) : pack.count()));
      std::iota(rows.begin(), rows.end(), 0);
      return pack.read(rows);
    }
  }
  raw.truncate(limit);
  return raw;
}

}  // namespace latent
