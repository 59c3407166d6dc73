#include "latent/io/png_inflation.h"

#include <zlib.h>

#include <cstdint>
#include <cstring>

#include "latent/base/error.h"

namespace latent {
namespace {

uint32_t big_endian(const unsigned char* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

int channels_of(int color_type) {
  switch (color_type) {
    case 0:  // gray
    case 3:  // palette
      return 1;
    case 2:  // RGB
      return 3;
    case 4:  // gray + alpha
      return 2;
    case 6:  // RGBA
      return 4;
    default:
      return 0;
  }
}

}  // namespace

std::optional<PngHeader> png_header(const unsigned char* bytes, size_t length) {
  static const unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (length < 33 || std::memcmp(bytes, kSignature, 8) != 0 || std::memcmp(bytes + 12, "IHDR", 4) != 0)
    return std::nullopt;
  return PngHeader{big_endian(bytes + 16), big_endian(bytes + 20), bytes[24], bytes[25]};
}

void check_png_inflation(const unsigned char* bytes, size_t length, const std::string& what) {
  const std::optional<PngHeader> header = png_header(bytes, length);
  if (!header) return;
  const uint64_t width = header->width, height = header->height;
  const int depth = header->bit_depth, channels = channels_of(header->color_type);
  if (channels == 0 || depth == 0 || depth > 16) return;
  // Each row: one filter byte and its packed pixels; an interlaced image has up to 7 passes,
  // each with its own filter bytes and rounding.
  const uint64_t row_bytes = (width * static_cast<uint64_t>(channels * depth) + 7) / 8;
  const uint64_t allowed = height * (row_bytes + 1) + 8 * (height + 8) + 1024;

  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) return;
  unsigned char scratch[1 << 14];
  uint64_t inflated = 0;
  int status = Z_OK;
  for (size_t pos = 8; pos + 12 <= length && status == Z_OK;) {
    const uint64_t chunk = big_endian(bytes + pos);
    if (chunk > length - pos - 12) break;
    if (std::memcmp(bytes + pos + 4, "IDAT", 4) == 0) {
      stream.next_in = const_cast<unsigned char*>(bytes + pos + 8);
      stream.avail_in = static_cast<uInt>(chunk);
      while (stream.avail_in > 0 && status == Z_OK) {
        stream.next_out = scratch;
        stream.avail_out = sizeof(scratch);
        status = inflate(&stream, Z_NO_FLUSH);
        inflated += sizeof(scratch) - stream.avail_out;
        if (inflated > allowed) {
          inflateEnd(&stream);
          throw Error(what + ": the PNG's pixel data inflates beyond the " + std::to_string(allowed) +
                      " bytes its header allows (a decompression bomb?)");
        }
        if (status == Z_BUF_ERROR) status = Z_OK;  // needs the next chunk
      }
    }
    pos += 12 + chunk;
  }
  const std::string message = stream.msg ? stream.msg : "";
  inflateEnd(&stream);
  // stb_image's inflater is laxer than zlib's (incomplete Huffman codes, say): a stream zlib
  // refuses could still be inflated by stb, unchecked, into gigabytes (fuzz_image found one).
  if (status != Z_OK && status != Z_STREAM_END)
    throw Error(what + ": the PNG's pixel data is damaged (" + message + ")");
}

}  // namespace latent
