#include "latent/io/container.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "io/byte_fields.h"
#include "latent/base/error.h"
#include "latent/base/read_bytes.h"

namespace latent {
namespace {

const std::string kMagic = "LATENT\r\n";

uint64_t get_le(const std::string& bytes, size_t pos, int width) {
  uint64_t v = 0;
  for (int i = 0; i < width; ++i) v |= uint64_t{static_cast<unsigned char>(bytes[pos + i])} << (8 * i);
  return v;
}
}  // namespace

std::string pack_container(const std::string& kind, const std::string& payload) {
  std::string out = kMagic;
  put_le(out, kContainerVersion, 4);
  put_le(out, static_cast<uint32_t>(kind.size()), 4);
  out += kind;
  put_le(out, payload.size(), 8);
  put_le(out, crc32_of(payload), 4);
  return out + payload;
}

std::string unpack_container(const std::string& bytes, const std::string& expected_kind, const std::string& name) {
  if (bytes.compare(0, kMagic.size(), kMagic) != 0) throw Error(name + ": not a latent file");
  size_t pos = kMagic.size();
  auto need = [&](size_t n) {
    if (bytes.size() - pos < n) throw Error(name + ": truncated latent file");
  };
  need(8);
  uint32_t version = static_cast<uint32_t>(get_le(bytes, pos, 4));
  if (version != kContainerVersion)
    throw Error(name + ": written in latent file format " + std::to_string(version) + "; this latent reads format " +
                std::to_string(kContainerVersion));
  uint32_t kind_size = static_cast<uint32_t>(get_le(bytes, pos + 4, 4));
  pos += 8;
  if (kind_size > 64) throw Error(name + ": damaged latent file header");
  need(kind_size);
  std::string kind = bytes.substr(pos, kind_size);
  pos += kind_size;
  if (kind != expected_kind) throw Error(name + ": is a latent " + kind + " file, expected a " + expected_kind);
  need(12);
  uint64_t size = get_le(bytes, pos, 8);
  uint32_t crc = static_cast<uint32_t>(get_le(bytes, pos + 8, 4));
  pos += 12;
  if (bytes.size() - pos != size) throw Error(name + ": truncated or padded latent file (payload length differs)");
  std::string payload = bytes.substr(pos);
  if (crc32_of(payload) != crc) throw Error(name + ": damaged latent file (checksum mismatch)");
  return payload;
}

std::string read_container_file(const std::string& path) {
  // Weights, zstd frames and FAISS codes hardly compress: 32x is far more than a gzipped latent file holds.
  std::vector<unsigned char> bytes = read_bytes(path, ReadLimits{size_t{16} << 30, 32, kMagic, "latent file"});
  return std::string(bytes.begin(), bytes.end());
}

std::optional<std::string> file_kind(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string header(kMagic.size() + 8 + 64, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header.size()));
  header.resize(static_cast<size_t>(in.gcount()));
  if (header.size() < kMagic.size() + 8 || header.compare(0, kMagic.size(), kMagic) != 0) return "";
  const size_t kind_size = get_le(header, kMagic.size() + 4, 4);
  return header.substr(kMagic.size() + 8, std::min<size_t>(kind_size, 64));
}

std::string read_container(const std::string& path, const std::string& expected_kind) {
  return unpack_container(read_container_file(path), expected_kind, path);
}

std::string fingerprint(const std::string& payload) { return fingerprint(payload.data(), payload.size()); }

std::string fingerprint(const void* bytes, size_t size) {
  uint64_t hash = 1469598103934665603ull;
  const auto* p = static_cast<const unsigned char*>(bytes);
  for (size_t i = 0; i < size; ++i) hash = (hash ^ p[i]) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

}  // namespace latent
