#pragma once
// Grids of grey or RGB images as PNG, for reconstructions, samples and codes.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace latent {

/// {channels (1 or 3), height, width} of one image.
using ImageShape = std::array<int64_t, 3>;

/// pixels: count planar images of `shape` with values in [0,1] (clamped), one after another;
/// laid out `columns` to a row with a 2-pixel gap; written atomically as PNG.
void write_image_grid(const std::string& path, const std::vector<float>& pixels, int64_t count, const ImageShape& shape,
                      int64_t columns);

/// The PNG bytes of one image whose bytes are interleaved (grey: 1 per pixel, RGB: 3).
std::string encode_png(const std::vector<unsigned char>& interleaved, int width, int height, int channels = 1);

/// One planar image of `shape` in [0,1] (clamped; NaN as 0) as interleaved bytes for encode_png.
std::vector<unsigned char> interleaved_bytes(const float* unit_pixels, const ImageShape& shape);

}  // namespace latent
