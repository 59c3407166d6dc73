#pragma once
// PNG decompression bombs: a small PNG whose pixel data (IDAT) inflates far beyond what its
// header's size allows would make stb grow its buffer for as long as the data inflates (a 28×28
// PNG can inflate to gigabytes). Checked by inflating into a small scratch buffer first.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace latent {

/// What a PNG's IHDR chunk says.
struct PngHeader {
  uint64_t width = 0, height = 0;
  int bit_depth = 0, color_type = 0;
};
/// The header of the PNG in `bytes`, or nullopt when they are not a PNG.
std::optional<PngHeader> png_header(const unsigned char* bytes, size_t length);

/// Throws latent::Error naming `what` when the PNG in `bytes` inflates to more than its header's
/// width × height × channels × bit depth (with filter bytes and interlacing) allows, or whose
/// pixel data zlib refuses as damaged. Bytes that are not a PNG, and PNGs cut short or with
/// damaged chunks (for the decoder to refuse), pass.
void check_png_inflation(const unsigned char* bytes, size_t length, const std::string& what);

}  // namespace latent
