#pragma once
// Writing the little-endian fields and CRC-32 of the binary formats latent writes (its container,
// zip for .npz).
#include <cstdint>
#include <string>

namespace latent {

/// Appends the low `width` bytes of `value`, least significant first.
inline void put_le(std::string& out, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

/// zlib's CRC-32 (the one zip and PNG use) of `bytes`, of any length.
uint32_t crc32_of(const std::string& bytes);

}  // namespace latent
