#include "latent/io/npy_format.h"

#include <limits>

#include "io/byte_fields.h"
#include "latent/base/error.h"

namespace latent {

std::string npy_bytes(const std::string& descr, const std::vector<int64_t>& shape, std::string_view data) {
  std::string sizes;
  for (int64_t size : shape) sizes += (sizes.empty() ? "" : ", ") + std::to_string(size);
  if (shape.size() == 1) sizes += ",";  // a tuple of one: (3,)
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + sizes + "), }";
  // Magic, version 1.0, header length; the header is padded so the data starts 64-aligned.
  size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string out = "\x93NUMPY\x01";
  out.push_back('\0');
  put_le(out, header.size(), 2);
  out += header;
  out += data;
  return out;
}

std::string npy_text(const std::string& text) {
  std::string utf32;  // numpy's 'U' type holds UCS-4 code points
  utf32.reserve(4 * text.size());
  for (char c : text) {
    if (static_cast<unsigned char>(c) > 0x7f) throw Error("npy_text: text is not ASCII");
    put_le(utf32, static_cast<unsigned char>(c), 4);
  }
  return npy_bytes("<U" + std::to_string(text.size()), {}, utf32);
}

std::string npz_bytes(const std::vector<std::pair<std::string, std::string>>& npy_files) {
  // Zip with stored (uncompressed) members: a local header and the bytes of each, then the
  // central directory and its end record. Time and date are zip's epoch, 1980-01-01 00:00.
  constexpr int kVersion = 20;
  constexpr uint16_t kDate = (0 << 9) | (1 << 5) | 1;
  std::string out, directory;
  for (const auto& npy_file : npy_files) {
    const std::string& bytes = npy_file.second;  // a plain reference: lambdas cannot capture a binding
    const std::string file = npy_file.first + ".npy";
    if (out.size() + bytes.size() + file.size() + 30 > std::numeric_limits<uint32_t>::max())
      throw Error("npz: arrays of more than 4 GiB are not written");
    const uint32_t crc = crc32_of(bytes), offset = static_cast<uint32_t>(out.size());
    auto common = [&](std::string& to) {  // the fields the local header and directory entry share
      put_le(to, kVersion, 2);
      put_le(to, 0, 2);  // flags
      put_le(to, 0, 2);  // stored
      put_le(to, 0, 2);  // time
      put_le(to, kDate, 2);
      put_le(to, crc, 4);
      put_le(to, bytes.size(), 4);
      put_le(to, bytes.size(), 4);
      put_le(to, file.size(), 2);
      put_le(to, 0, 2);  // extra field length
    };
    put_le(out, 0x04034b50, 4);
    common(out);
    out += file;
    out += bytes;
    put_le(directory, 0x02014b50, 4);
    put_le(directory, kVersion, 2);  // made by
    common(directory);
    put_le(directory, 0, 2);  // comment length
    put_le(directory, 0, 2);  // disk
    put_le(directory, 0, 2);  // internal attributes
    put_le(directory, 0, 4);  // external attributes
    put_le(directory, offset, 4);
    directory += file;
  }
  const size_t directory_at = out.size();
  out += directory;
  put_le(out, 0x06054b50, 4);
  put_le(out, 0, 2);
  put_le(out, 0, 2);
  put_le(out, npy_files.size(), 2);
  put_le(out, npy_files.size(), 2);
  put_le(out, directory.size(), 4);
  put_le(out, directory_at, 4);
  put_le(out, 0, 2);  // comment length
  return out;
}

}  // namespace latent
