#pragma once
// Grids of grayscale images as PNG, for reconstructions, samples and codes.
#include <cstdint>
#include <string>
#include <vector>

namespace latent {

/// pixels: count images of height×width values in [0,1] (clamped), row-major, one after
/// another; laid out `columns` to a row with a 2-pixel gap; written atomically as PNG.
void write_image_grid(const std::string& path, const std::vector<float>& pixels, int64_t count, int64_t height,
                      int64_t width, int64_t columns);

/// The PNG bytes of one grayscale image (used for grids and, later, HTTP responses).
std::string encode_png(const std::vector<unsigned char>& gray, int width, int height);

}  // namespace latent
