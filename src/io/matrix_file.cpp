#include "latent/io/matrix_file.h"

#include <cstring>
#include <sstream>

#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/base/read_bytes.h"
#include "latent/io/npy_format.h"
#include "latent/io/raw_data.h"

namespace latent {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// numpy's header is a Python dict literal, {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), },
// read here by hand: std::regex recurses once per character matched, and a 2 MB header
// overflowed the stack. numpy writes headers of a few hundred bytes.
constexpr size_t kMaxNpyHeader = 65536;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Where the value of 'key' starts in the header (after the colon and spaces), or npos.
size_t value_of(const std::string& header, const std::string& key) {
  size_t at = header.find("'" + key + "':");
  if (at == std::string::npos) return at;
  at += key.size() + 3;
  while (at < header.size() && is_space(header[at])) ++at;
  return at;
}

/// "f4" or "f8" if 'descr' is a little-endian float, else empty.
std::string float_type(const std::string& header) {
  size_t at = value_of(header, "descr");
  if (at == std::string::npos || header.size() - at < 5) return "";
  std::string value = header.substr(at, 5);  // like '<f4'
  if (value[0] != '\'' || value[4] != '\'' || std::string("<|=").find(value[1]) == std::string::npos) return "";
  std::string type = value.substr(2, 2);
  return type == "f4" || type == "f8" ? type : "";
}

/// The sizes in 'shape': (R,) or (R, C); empty if it is not a tuple of numbers.
std::vector<std::string> shape_of(const std::string& header) {
  size_t at = value_of(header, "shape");
  if (at >= header.size() || header[at] != '(') return {};
  std::vector<std::string> sizes;
  for (++at; at < header.size() && header[at] != ')';) {
    size_t start = at;
    while (at < header.size() && is_digit(header[at])) ++at;
    if (at == start) return {};
    sizes.push_back(header.substr(start, at - start));
    while (at < header.size() && is_space(header[at])) ++at;
    if (at < header.size() && header[at] == ',') ++at;
    while (at < header.size() && is_space(header[at])) ++at;
  }
  if (at >= header.size()) return {};
  return sizes;
}

Matrix parse_npy(const std::vector<unsigned char>& bytes, const std::string& path) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) throw Error(path + ": not a .npy file");
  int major = bytes[6];
  size_t header_len = major == 1 ? bytes[8] | (size_t{bytes[9]} << 8) : 0;
  size_t offset = 10;
  if (major >= 2) {
    if (bytes.size() < 12) throw Error(path + ": truncated .npy header");
    header_len = bytes[8] | (size_t{bytes[9]} << 8) | (size_t{bytes[10]} << 16) | (size_t{bytes[11]} << 24);
    offset = 12;
  }
  if (header_len > kMaxNpyHeader)
    throw Error(path + ": .npy header longer than " + std::to_string(kMaxNpyHeader) + " bytes");
  if (bytes.size() < offset + header_len) throw Error(path + ": truncated .npy header");
  std::string header(bytes.begin() + static_cast<long>(offset), bytes.begin() + static_cast<long>(offset + header_len));
  std::string type = float_type(header);
  if (type.empty()) throw Error(path + ": .npy data must be little-endian float32 or float64");
  size_t fortran = value_of(header, "fortran_order");
  if (fortran != std::string::npos && header.compare(fortran, 4, "True") == 0)
    throw Error(path + ": Fortran-order .npy not supported");
  std::vector<std::string> shape = shape_of(header);
  if (shape.empty() || shape.size() > 2) throw Error(path + ": .npy shape must be 1-D or 2-D");
  // More than 15 digits cannot match any file latent reads (and would overflow stoll).
  for (const std::string& size : shape)
    if (size.size() > 15) throw Error(path + ": .npy data length does not match its shape");
  Matrix m;
  m.rows = std::stoll(shape[0]);
  m.cols = shape.size() == 2 ? std::stoll(shape[1]) : 1;
  if (m.cols == 0) throw Error(path + ": .npy matrix has no columns");
  bool f8 = type == "f8";
  size_t width = f8 ? 8 : 4;
  size_t data_bytes = bytes.size() - offset - header_len;
  if (m.rows < 0 || m.cols < 0 || (m.cols > 0 && static_cast<uint64_t>(m.rows) > data_bytes / width / m.cols) ||
      data_bytes != static_cast<size_t>(m.rows * m.cols) * width)
    throw Error(path + ": .npy data length does not match its shape");
  const unsigned char* data = bytes.data() + offset + header_len;
  m.values.resize(static_cast<size_t>(m.rows * m.cols));
  for (size_t i = 0; i < m.values.size(); ++i) {
    if (f8) {
      double v;
      std::memcpy(&v, data + 8 * i, 8);
      m.values[i] = static_cast<float>(v);
    } else {
      std::memcpy(&m.values[i], data + 4 * i, 4);
    }
  }
  return m;
}

}  // namespace

bool is_matrix_path(const std::string& path) { return ends_with(path, ".npy") || ends_with(path, ".csv"); }

void write_matrix(const std::string& path, const Matrix& m, const std::vector<int64_t>& labels) {
  if (ends_with(path, ".npy"))
    return write_file_atomic(
        path, npy_bytes("<f4", {m.rows, m.cols},
                        {reinterpret_cast<const char*>(m.values.data()), m.values.size() * sizeof(float)}));
  if (!ends_with(path, ".csv")) throw Error(path + ": expected a .npy or .csv file name");
  std::ostringstream out;
  out.precision(7);
  if (!labels.empty()) out << "label,";
  for (int64_t c = 0; c < m.cols; ++c) out << (c ? "," : "") << "c" << c;
  out << "\n";
  for (int64_t r = 0; r < m.rows; ++r) {
    if (!labels.empty()) out << labels[static_cast<size_t>(r)] << ",";
    for (int64_t c = 0; c < m.cols; ++c) out << (c ? "," : "") << m.values[static_cast<size_t>(r * m.cols + c)];
    out << "\n";
  }
  write_file_atomic(path, out.str());
}

Matrix read_matrix(const std::string& path) {
  if (ends_with(path, ".npy")) return parse_npy(read_bytes(path, {kMaxFileBytes, 200, "\x93NUMPY", ".npy file"}), path);
  if (!ends_with(path, ".csv")) throw Error(path + ": expected a .npy or .csv file");
  // A codes file written by `latent encode` with labels starts "label,c0,c1,...".
  std::vector<unsigned char> bytes = read_bytes(path);
  std::string text(bytes.begin(), bytes.end());
  CsvOptions options;
  if (text.rfind("label,", 0) == 0) options.label = "first";
  RawData raw = parse_csv(text, path, options);
  return Matrix{raw.count(), raw.features(), std::move(raw.values)};
}

}  // namespace latent
