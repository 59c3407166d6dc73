#pragma once
// Image files to pixels: decoding (PNG, JPEG, BMP, GIF's first frame) with the size and
// inflation checks done before any pixel is decoded, transparency composited over a background,
// colour kept or turned grey, and the fit to a fixed size (area-averaging resize).
#include <cstdint>
#include <string>
#include <vector>

#include "latent/io/image_layout.h"

namespace latent {

/// Planar pixels in 0..255: channels × height × width.
struct Pixels {
  int64_t channels = 0, height = 0, width = 0;
  std::vector<float> values;
  /// The file had colour (RGB or a palette); a grey file decodes to three equal planes.
  bool colour = false;
};

/// Files larger than this many pixels are refused before decoding: 8192x8192 takes a 45-megapixel
/// camera's photos (8256x5504); decoding one holds about 16 bytes a pixel (1 GB at the limit) until
/// it is fitted to the model's size. The server takes smaller uploads (serve_request).
constexpr int64_t kMaxImagePixels = int64_t{8192} * 8192;

/// `bytes` of one image file (named `name` in errors) as RGB over `background`, at the file's size.
Pixels decode_rgb(const unsigned char* bytes, size_t length, const std::string& name,
                  const std::array<float, 3>& background, int64_t max_pixels = kMaxImagePixels);

/// `rgb` fitted to layout's size (unchanged when the layout keeps sizes).
Pixels fit_to(const Pixels& rgb, const ImageLayout& layout);

/// One grey plane from three: exact for grey files (equal planes), ITU-R 601 weights otherwise.
Pixels to_gray(const Pixels& rgb);

/// `bytes` read under `layout`: decoded, fitted, grey when layout.color says gray or (keep) when
/// the file has no colour.
Pixels decode_pixels(const unsigned char* bytes, size_t length, const std::string& name, const ImageLayout& layout,
                     int64_t max_pixels = kMaxImagePixels);
/// The same for a file.
Pixels read_pixels(const std::string& path, const ImageLayout& layout);

/// Whether a path names an image file latent reads (by its extension).
bool is_image_file_name(const std::string& path);

}  // namespace latent
