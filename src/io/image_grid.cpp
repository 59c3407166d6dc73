#include "latent/io/image_grid.h"

#include <stb/stb_image_write.h>

#include <algorithm>
#include <cmath>

#include "latent/base/atomic_file.h"
#include "latent/base/error.h"

namespace latent {

std::string encode_png(const std::vector<unsigned char>& gray, int width, int height) {
  std::string png;
  auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  if (!stbi_write_png_to_func(append, &png, width, height, 1, gray.data(), width)) throw Error("PNG encoding failed");
  return png;
}

void write_image_grid(const std::string& path, const std::vector<float>& pixels, int64_t count, int64_t height,
                      int64_t width, int64_t columns) {
  if (count <= 0) throw Error("no images to write to " + path);
  constexpr int64_t kGap = 2;
  columns = std::max<int64_t>(1, std::min(columns, count));
  int64_t rows = (count + columns - 1) / columns;
  int64_t grid_width = columns * (width + kGap) + kGap, grid_height = rows * (height + kGap) + kGap;
  if (grid_width * grid_height > (int64_t{1} << 28)) throw Error(path + ": image grid too large");
  std::vector<unsigned char> grid(static_cast<size_t>(grid_width * grid_height), 64);  // dark grey gaps
  for (int64_t i = 0; i < count; ++i) {
    int64_t top = kGap + (i / columns) * (height + kGap), left = kGap + (i % columns) * (width + kGap);
    for (int64_t y = 0; y < height; ++y)
      for (int64_t x = 0; x < width; ++x) {
        float v = pixels[static_cast<size_t>((i * height + y) * width + x)];
        v = std::isfinite(v) ? std::clamp(v, 0.0f, 1.0f) : 0.0f;
        grid[static_cast<size_t>((top + y) * grid_width + left + x)] = static_cast<unsigned char>(std::lround(v * 255));
      }
  }
  write_file_atomic(path, encode_png(grid, static_cast<int>(grid_width), static_cast<int>(grid_height)));
}

}  // namespace latent
