#pragma once
// The envelope of every file latent writes (model, checkpoint, later index and compressed
// files): magic, format version, kind, payload length and CRC-32, then the payload. A damaged,
// truncated or foreign file is refused here, before any parser sees its bytes.
//
//   "LATENT\r\n" | u32 version | u32 kind length | kind | u64 payload length | u32 crc32 | payload
//   (integers little-endian)
#include <cstdint>
#include <optional>
#include <string>

namespace latent {

constexpr uint32_t kContainerVersion = 1;

std::string pack_container(const std::string& kind, const std::string& payload);
/// Returns the payload; `name` (a path) is used in error messages.
std::string unpack_container(const std::string& bytes, const std::string& expected_kind, const std::string& name);
/// The whole file (gunzipped), refused after its first bytes if it is not a latent file and as
/// soon as gzip inflates it past 32 times its size.
std::string read_container_file(const std::string& path);
/// Reads path and unpacks it.
std::string read_container(const std::string& path, const std::string& expected_kind);
/// The kind of the latent file at path ("model", "index", ...), "" for a file that is not a latent
/// container, nullopt when nothing readable is there. Reads the header only.
std::optional<std::string> file_kind(const std::string& path);
/// 16 hex digits identifying the payload (FNV-1a 64).
std::string fingerprint(const std::string& payload);
std::string fingerprint(const void* bytes, size_t size);

}  // namespace latent
