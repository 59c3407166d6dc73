#include "latent/io/exif_orientation.h"

#include <cstdint>
#include <cstring>

namespace latent {
namespace {

/// The orientation entry of a TIFF header's first directory (EXIF's layout), or 1.
int tiff_orientation(const unsigned char* tiff, size_t length) {
  if (length < 8) return 1;
  const bool big_endian = tiff[0] == 'M' && tiff[1] == 'M';
  if (!big_endian && !(tiff[0] == 'I' && tiff[1] == 'I')) return 1;
  auto u16 = [&](size_t at) {
    return big_endian ? (unsigned{tiff[at]} << 8) | tiff[at + 1] : tiff[at] | (unsigned{tiff[at + 1]} << 8);
  };
  const uint32_t directory = big_endian ? (u16(4) << 16) | u16(6) : u16(4) | (u16(6) << 16);
  if (directory > length || length - directory < 2) return 1;
  const unsigned entries = u16(directory);
  for (unsigned i = 0; i < entries; ++i) {
    const size_t entry = directory + 2 + size_t{12} * i;
    if (entry + 12 > length) break;
    if (u16(entry) != 0x0112 || u16(entry + 2) != 3) continue;  // the orientation, a SHORT
    const unsigned value = u16(entry + 8);
    return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
  }
  return 1;
}

}  // namespace

int exif_orientation(const unsigned char* bytes, size_t length) {
  if (length < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) return 1;
  // The segments before the image data: each 0xFF, a marker and a big-endian length.
  for (size_t at = 2; at + 4 <= length && bytes[at] == 0xFF;) {
    const unsigned marker = bytes[at + 1];
    if (marker == 0xDA || marker == 0xD9) break;  // the scan (image data) or the end: no more headers
    const size_t segment = (size_t{bytes[at + 2]} << 8) | bytes[at + 3];
    if (segment < 2 || segment > length - at - 2) break;
    if (marker == 0xE1 && segment >= 8 && std::memcmp(bytes + at + 4, "Exif\0\0", 6) == 0)
      return tiff_orientation(bytes + at + 10, segment - 8);
    at += 2 + segment;
  }
  return 1;
}

}  // namespace latent
