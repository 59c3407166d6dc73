#include "latent/io/image_grid.h"

#include <stb/stb_image_write.h>

#include <algorithm>
#include <cmath>

#include "latent/base/atomic_file.h"
#include "latent/base/error.h"

namespace latent {

std::string encode_png(const std::vector<unsigned char>& interleaved, int width, int height, int channels) {
  std::string png;
  auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  if (!stbi_write_png_to_func(append, &png, width, height, channels, interleaved.data(), width * channels))
    throw Error("PNG encoding failed");
  return png;
}

std::vector<unsigned char> interleaved_bytes(const float* unit_pixels, const ImageShape& shape) {
  const auto [channels, height, width] = shape;
  const int64_t area = height * width;
  std::vector<unsigned char> bytes(static_cast<size_t>(channels * area));
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < area; ++i) {
      const float v = unit_pixels[c * area + i];
      bytes[static_cast<size_t>(i * channels + c)] =
          static_cast<unsigned char>(std::lround((std::isfinite(v) ? std::clamp(v, 0.0f, 1.0f) : 0.0f) * 255));
    }
  return bytes;
}

void write_image_grid(const std::string& path, const std::vector<float>& pixels, int64_t count, const ImageShape& shape,
                      int64_t columns) {
  if (count <= 0) throw Error("no images to write to " + path);
  const auto [channels, height, width] = shape;
  constexpr int64_t kGap = 2;
  columns = std::max<int64_t>(1, std::min(columns, count));
  const int64_t rows = (count + columns - 1) / columns;
  const int64_t grid_width = columns * (width + kGap) + kGap, grid_height = rows * (height + kGap) + kGap;
  if (grid_width * grid_height > (int64_t{1} << 28)) throw Error(path + ": image grid too large");
  std::vector<unsigned char> grid(static_cast<size_t>(grid_width * grid_height * channels), 64);  // dark grey gaps
  const int64_t size = channels * height * width;
  for (int64_t i = 0; i < count; ++i) {
    const std::vector<unsigned char> image = interleaved_bytes(pixels.data() + i * size, shape);
    const int64_t top = kGap + (i / columns) * (height + kGap), left = kGap + (i % columns) * (width + kGap);
    for (int64_t y = 0; y < height; ++y)
      std::copy_n(image.begin() + y * width * channels, width * channels,
                  grid.begin() + ((top + y) * grid_width + left) * channels);
  }
  write_file_atomic(
      path, encode_png(grid, static_cast<int>(grid_width), static_cast<int>(grid_height), static_cast<int>(channels)));
}

}  // namespace latent
