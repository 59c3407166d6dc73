#include "latent/io/pack_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

#include "base/json_number.h"
#include "io/file_pieces.h"
#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/base/shape_size.h"

namespace latent {
namespace {

constexpr char kMagic[8] = {'L', 'T', 'P', 'A', 'C', 'K', '\0', '\1'};
constexpr char kEndMagic[8] = {'L', 'T', 'P', 'A', 'C', 'K', 'N', 'D'};
constexpr size_t kValuesAt = 64;
constexpr size_t kMaxFooter = size_t{256} << 20;  // a table's words can be many, not more than this
constexpr uint64_t kFnvOffset = 1469598103934665603ull, kFnvPrime = 1099511628211ull;

// Calls read(i, run) for each run rows[i..i+run) of rows that follow one another in the file, so
// that rows read in order take one read.
template <class Read>
void for_each_run(const int64_t* rows, int64_t n, Read read) {
  for (int64_t i = 0; i < n;) {
    int64_t run = 1;
    while (i + run < n && rows[i + run] == rows[i] + run) ++run;
    read(i, run);
    i += run;
  }
}

uint64_t fnv1a(const unsigned char* bytes, size_t size, uint64_t hash) {
  for (size_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * kFnvPrime;
  return hash;
}

std::string hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

nlohmann::json header_json(const PackHeader& h) {
  nlohmann::json j = {
      {"format", "latent pack"}, {"version", 1},           {"count", h.count},     {"sample_shape", h.sample_shape},
      {"is_image", h.is_image},  {"labels", h.has_labels}, {"names", h.has_names}, {"fingerprint", h.fingerprint},
      {"source", h.source}};
  if (h.is_image) j["image_layout"] = h.layout.to_json();
  if (!h.label_names.empty()) j["label_names"] = h.label_names;
  if (!h.is_image)
    j["table"] = {{"names", h.table.names},
                  {"words", h.table.words},
                  {"is_words", h.table.is_words},
                  {"label_column", h.label_column}};
  return j;
}

// Size a × b, or Error when it does not fit in the file's range.
size_t checked_product(int64_t a, int64_t b, const std::string& path) {
  if (a < 0 || b < 0 || (b != 0 && a > static_cast<int64_t>((size_t{1} << 52) / static_cast<size_t>(b))))
    throw Error(path + ": not a whole pack (its sizes are out of range)");
  return static_cast<size_t>(a) * static_cast<size_t>(b);
}

PackHeader parse_header(const std::string& text, const std::string& path) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  auto damaged = [&](const std::string& what) { return Error(path + ": not a whole pack (" + what + ")"); };
  if (!j.is_object() || !j.contains("format") || j["format"] != "latent pack")
    throw damaged("its footer is not a pack's");
  if (!j.contains("version") || j["version"] != 1)
    throw Error(path + ": a pack of a version this latent does not read");
  try {
    PackHeader h;
    h.count = json_int(j.at("count"), 0, std::numeric_limits<int64_t>::max());
    h.sample_shape = json_ints(j.at("sample_shape"), 1, int64_t{1} << 24);
    h.is_image = j.at("is_image").get<bool>();
    h.has_labels = j.at("labels").get<bool>();
    h.has_names = j.at("names").get<bool>();
    h.fingerprint = j.at("fingerprint").get<std::string>();
    h.source = j.at("source").get<std::string>();
    // Packs written before class names were kept have numbers only.
    h.label_names = j.value("label_names", std::vector<std::string>{});
    if (h.is_image) h.layout = ImageLayout::from_json(j.at("image_layout"));
    if (!h.is_image) {
      const auto& t = j.at("table");
      h.table.names = t.at("names").get<std::vector<std::string>>();
      h.table.words = t.at("words").get<std::vector<std::vector<std::string>>>();
      h.table.is_words = t.at("is_words").get<std::vector<bool>>();
      h.label_column = t.at("label_column").get<std::string>();
    }
    const size_t dims = h.is_image ? 3 : 1;
    if (h.sample_shape.size() != dims) throw damaged("its shape is not a sample's");
    int64_t features = 1;
    for (int64_t d : h.sample_shape) features = static_cast<int64_t>(checked_product(features, d, path));
    if (features > (int64_t{1} << 28)) throw damaged("its shape is out of range");
    if (!h.is_image &&
        (h.table.names.size() != static_cast<size_t>(features) || h.table.words.size() != h.table.names.size() ||
         h.table.is_words.size() != h.table.names.size()))
      throw damaged("its table's columns do not match its shape");
    return h;
  } catch (const nlohmann::json::exception&) {
    throw damaged("its footer lacks a field");
  } catch (const SettingError& e) {
    throw damaged(std::string("its image layout: ") + e.what());
  }
}

}  // namespace

int64_t PackHeader::features() const { return shape_size(sample_shape); }

struct PackWriter::File {
  AtomicFile out;
  explicit File(const std::string& path) : out(path) {}
};

PackWriter::PackWriter(const std::string& path, std::string source, const ImageLayout& layout)
    : file_(std::make_unique<File>(path)), hash_(kFnvOffset) {
  header_.source = std::move(source);
  header_.layout = layout;
  char start[kValuesAt] = {};
  std::memcpy(start, kMagic, sizeof kMagic);
  file_->out.write(start, sizeof start);
}

PackWriter::~PackWriter() = default;

void PackWriter::add(const RawData& chunk) {
  if (chunk.count() == 0) return;
  if (!started_) {
    header_.sample_shape = chunk.sample_shape;
    header_.is_image = chunk.is_image;
    header_.has_labels = !chunk.labels.empty();
    header_.has_names = !chunk.paths.empty();
    header_.table = chunk.table;
    header_.label_column = chunk.label_column;
    header_.label_names = chunk.label_names;
    started_ = true;
  }
  if (chunk.sample_shape != header_.sample_shape || chunk.is_image != header_.is_image)
    throw Error("a pack holds samples of one shape: " + (chunk.paths.empty() ? "a sample" : chunk.paths.front()) +
                " has another than the first");
  if (chunk.labels.empty() == header_.has_labels || chunk.paths.empty() == header_.has_names)
    throw Error("a pack's samples all have labels and names or none do");
  std::string bytes;
  if (header_.is_image) {
    bytes.resize(chunk.values.size());
    for (size_t i = 0; i < chunk.values.size(); ++i)
      bytes[i] = static_cast<char>(static_cast<unsigned char>(std::lround(std::clamp(chunk.values[i], 0.0f, 255.0f))));
  } else {
    bytes.assign(reinterpret_cast<const char*>(chunk.values.data()), chunk.values.size() * sizeof(float));
  }
  hash_ = fnv1a(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), hash_);
  file_->out.write(bytes);
  labels_.insert(labels_.end(), chunk.labels.begin(), chunk.labels.end());
  for (const std::string& name : chunk.paths) {
    names_ += name;
    name_ends_.push_back(names_.size());
  }
  header_.count += chunk.count();
}

void PackWriter::commit() {
  if (header_.count == 0) throw Error("nothing to pack: the data has no samples");
  header_.fingerprint = hex(hash_);
  file_->out.write(labels_.data(), labels_.size() * sizeof(int64_t));
  if (header_.has_names) {
    const uint64_t zero = 0;
    file_->out.write(&zero, sizeof zero);
    file_->out.write(name_ends_.data(), name_ends_.size() * sizeof(uint64_t));
    file_->out.write(names_);
  }
  const std::string footer = header_json(header_).dump();
  const uint64_t footer_size = footer.size();
  file_->out.write(footer);
  file_->out.write(&footer_size, sizeof footer_size);
  file_->out.write(kEndMagic, sizeof kEndMagic);
  file_->out.commit();
}

bool is_pack_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char start[sizeof kMagic] = {};
  return in.read(start, sizeof start) && std::memcmp(start, kMagic, sizeof kMagic) == 0;
}

void PackFile::read_at(size_t offset, void* into, size_t size) const { read_fully(fd_, offset, into, size, path_); }

PackFile::PackFile(const std::string& path) : path_(path) {
  fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(path + ": cannot open: " + std::strerror(errno));
  try {
    struct stat st {};
    if (fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) throw Error(path + ": not a file");
    const size_t size = static_cast<size_t>(st.st_size);
    if (size < kValuesAt + 16) throw Error(path + ": not a pack (too short)");
    char magic[sizeof kMagic];
    read_at(0, magic, sizeof magic);
    if (std::memcmp(magic, kMagic, sizeof kMagic) != 0) throw Error(path + ": not a pack (latent pack writes them)");
    char end[16];
    read_at(size - sizeof end, end, sizeof end);
    if (std::memcmp(end + 8, kEndMagic, 8) != 0) throw Error(path + ": not a whole pack (its end is missing)");
    uint64_t footer_size = 0;
    std::memcpy(&footer_size, end, sizeof footer_size);
    if (footer_size > kMaxFooter || footer_size > size - kValuesAt - 16)
      throw Error(path + ": not a whole pack (its footer's size is out of range)");
    const size_t footer_at = size - 16 - footer_size;
    std::string footer(footer_size, '\0');
    read_at(footer_at, footer.data(), footer.size());
    header_ = parse_header(footer, path);
    row_bytes_ = header_.features() * header_.value_bytes();
    labels_at_ = kValuesAt + checked_product(header_.count, row_bytes_, path);
    offsets_at_ = labels_at_ + (header_.has_labels ? checked_product(header_.count, 8, path) : 0);
    names_at_ = offsets_at_ + (header_.has_names ? checked_product(header_.count + 1, 8, path) : 0);
    if (names_at_ > footer_at) throw Error(path + ": not a whole pack (shorter than its footer says)");
    names_size_ = footer_at - names_at_;
    if (!header_.has_names && names_size_ != 0) throw Error(path + ": not a whole pack (longer than its footer says)");
  } catch (...) {
    close(fd_);
    throw;
  }
}

PackFile::~PackFile() { close(fd_); }

void PackFile::read_rows(const int64_t* rows, int64_t n, unsigned char* into) const {
  // One read per run of rows that follow one another in the file, all sent at once. Not a memory
  // map: its pages would stay in this process's memory (a batch of random rows touches a page per
  // row), and letting them go costs every thread of the process a TLB flush.
  std::vector<FilePiece> pieces;
  for_each_run(rows, n, [&](int64_t i, int64_t run) {
    pieces.push_back({kValuesAt + static_cast<size_t>(rows[i]) * static_cast<size_t>(row_bytes_), into + i * row_bytes_,
                      static_cast<size_t>(run * row_bytes_)});
  });
  read_pieces(fd_, pieces, path_);
}

std::vector<int64_t> PackFile::labels() const {
  if (!header_.has_labels) return {};
  std::vector<int64_t> labels(static_cast<size_t>(header_.count));
  read_at(labels_at_, labels.data(), labels.size() * sizeof(int64_t));
  return labels;
}

std::string PackFile::name(int64_t row) const {
  if (!header_.has_names) return "";
  uint64_t bounds[2];
  read_at(offsets_at_ + static_cast<size_t>(row) * 8, bounds, sizeof bounds);
  if (bounds[0] > bounds[1] || bounds[1] > names_size_ || bounds[1] - bounds[0] > kMaxFooter)
    throw Error(path_ + ": not a whole pack (name " + std::to_string(row) + ")");
  std::string name(bounds[1] - bounds[0], '\0');
  read_at(names_at_ + bounds[0], name.data(), name.size());
  return name;
}

RawData PackFile::read(const std::vector<int64_t>& rows) const {
  RawData raw;
  raw.sample_shape = header_.sample_shape;
  raw.is_image = header_.is_image;
  raw.table = header_.table;
  raw.label_column = header_.label_column;
  raw.label_names = header_.label_names;
  const int64_t n = static_cast<int64_t>(rows.size());
  raw.values.resize(static_cast<size_t>(n * header_.features()));
  if (header_.is_image) {
    std::vector<unsigned char> bytes(raw.values.size());
    read_rows(rows.data(), n, bytes.data());
    std::copy(bytes.begin(), bytes.end(), raw.values.begin());
  } else {
    read_rows(rows.data(), n, reinterpret_cast<unsigned char*>(raw.values.data()));
    // A column of words holds indices into its words (or NaN, missing); a file may say otherwise.
    const int64_t features = header_.features();
    for (size_t i = 0; i < raw.values.size(); ++i) {
      const size_t column = i % static_cast<size_t>(features);
      const float v = raw.values[i];
      if (header_.table.is_words[column] && !std::isnan(v) &&
          !(v >= 0 && v < static_cast<float>(header_.table.words[column].size()) && v == std::floor(v)))
        throw Error(path_ + ": not a whole pack (column '" + header_.table.names[column] + "' names a word it lacks)");
    }
  }
  if (header_.has_labels) {
    // Only the rows' labels: a sample of a long pack must not read all of them.
    raw.labels.resize(rows.size());
    std::vector<FilePiece> pieces;
    for_each_run(rows.data(), n, [&](int64_t i, int64_t run) {
      pieces.push_back({labels_at_ + static_cast<size_t>(rows[static_cast<size_t>(i)]) * 8, raw.labels.data() + i,
                        static_cast<size_t>(run) * 8});
    });
    read_pieces(fd_, pieces, path_);
  }
  for (int64_t row = 0; header_.has_names && row < n; ++row) raw.paths.push_back(name(rows[static_cast<size_t>(row)]));
  return raw;
}

}  // namespace latent
