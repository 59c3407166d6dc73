#pragma once
// PNG decompression bombs: a small PNG whose pixel data (IDAT) inflates far beyond what its
// header's size allows would make stb grow its buffer for as long as the data inflates (a 28×28
// PNG can inflate to gigabytes). Checked by inflating into a small scratch buffer first.
#include <cstddef>
#include <string>

namespace latent {

/// Throws latent::Error naming `what` when the PNG in `bytes` inflates to more than its header's
/// width × height × channels × bit depth (with filter bytes and interlacing) allows. Bytes that
/// are not a PNG, and damaged PNGs (for the decoder to refuse), pass.
void check_png_inflation(const unsigned char* bytes, size_t length, const std::string& what);

}  // namespace latent
