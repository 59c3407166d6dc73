#include "latent/io/image_pixels.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

#include <stb/stb_image.h>

#include "latent/base/error.h"
#include "latent/base/read_bytes.h"
#include "latent/io/exif_orientation.h"
#include "latent/io/png_inflation.h"

namespace latent {
namespace {

void check_pixels(const std::string& name, uint64_t width, uint64_t height, int64_t max_pixels) {
  if (width * height > static_cast<uint64_t>(max_pixels))
    throw Error(name + ": " + std::to_string(width) + "x" + std::to_string(height) +
                " pixels is more than latent reads (" + std::to_string(max_pixels) + " pixels)");
}

/// Per output position of a 1-D area resample from `in` to `out` samples: (first source, weights).
struct AreaWeights {
  std::vector<int64_t> first;
  std::vector<std::vector<float>> weights;
};

AreaWeights area_weights(int64_t in, int64_t out) {
  AreaWeights w;
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  for (int64_t i = 0; i < out; ++i) {
    const double lo = i * scale, hi = (i + 1) * scale;
    const auto j0 = static_cast<int64_t>(std::floor(lo));
    const int64_t j1 = std::min<int64_t>(in, static_cast<int64_t>(std::ceil(hi)));
    std::vector<float> row;
    for (int64_t j = j0; j < j1; ++j)
      row.push_back(static_cast<float>((std::min<double>(hi, j + 1) - std::max<double>(lo, j)) / scale));
    w.first.push_back(j0);
    w.weights.push_back(std::move(row));
  }
  return w;
}

/// Rows top.. and columns left.. of an image.
struct Window {
  int64_t top = 0, left = 0, height = 0, width = 0;
};

Window whole(const Pixels& p) { return {0, 0, p.height, p.width}; }

/// The window of each plane of `in` averaged by area to height × width (copied when the sizes
/// agree). Reading the window in place keeps a crop of a large picture from being copied first.
Pixels resample(const Pixels& in, const Window& window, int64_t height, int64_t width) {
  Pixels out{in.channels, height, width, std::vector<float>(static_cast<size_t>(in.channels * height * width)),
             in.colour};
  const bool same_size = window.height == height && window.width == width;
  const AreaWeights across = area_weights(window.width, width), down = area_weights(window.height, height);
  std::vector<float> rows(same_size ? 0 : static_cast<size_t>(window.height * width));
  for (int64_t c = 0; c < in.channels; ++c) {
    const float* plane = in.values.data() + (c * in.height + window.top) * in.width + window.left;
    float* target = out.values.data() + c * height * width;
    if (same_size) {
      for (int64_t y = 0; y < height; ++y) std::copy_n(plane + y * in.width, width, target + y * width);
      continue;
    }
    for (int64_t y = 0; y < window.height; ++y)
      for (int64_t x = 0; x < width; ++x) {
        float sum = 0;
        const auto& w = across.weights[x];
        for (size_t k = 0; k < w.size(); ++k) sum += w[k] * plane[y * in.width + across.first[x] + k];
        rows[y * width + x] = sum;
      }
    for (int64_t y = 0; y < height; ++y) {
      const auto& w = down.weights[y];
      for (int64_t x = 0; x < width; ++x) {
        float sum = 0;
        for (size_t k = 0; k < w.size(); ++k) sum += w[k] * rows[(down.first[y] + k) * width + x];
        target[y * width + x] = sum;
      }
    }
  }
  return out;
}

/// A photo turned the way its EXIF orientation (2..8) says it is seen.
Pixels oriented(const Pixels& in, int orientation) {
  const bool turned = orientation >= 5;  // 5..8 swap height and width
  const int64_t h = in.height, w = in.width, H = turned ? w : h, W = turned ? h : w;
  Pixels out{in.channels, H, W, std::vector<float>(in.values.size()), in.colour};
  for (int64_t c = 0; c < in.channels; ++c)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x) {
        int64_t sy = y, sx = x;  // the stored pixel seen at (y, x)
        switch (orientation) {
          case 2:
            sx = w - 1 - x;
            break;
          case 3:
            sy = h - 1 - y, sx = w - 1 - x;
            break;
          case 4:
            sy = h - 1 - y;
            break;
          case 5:
            sy = x, sx = y;
            break;
          case 6:
            sy = h - 1 - x, sx = y;
            break;
          case 7:
            sy = h - 1 - x, sx = w - 1 - y;
            break;
          case 8:
            sy = x, sx = w - 1 - y;
            break;
          default:
            break;
        }
        out.values[(c * H + y) * W + x] = in.values[(c * h + sy) * w + sx];
      }
  return out;
}

}  // namespace

bool is_image_file_name(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".gif";
}

Pixels decode_rgb(const unsigned char* bytes, size_t length, const std::string& name,
                  const std::array<float, 3>& background, int64_t max_pixels) {
  if (length > static_cast<size_t>(INT32_MAX)) throw Error(name + ": too large an image file");
  const int size = static_cast<int>(length);
  // From the PNG header first: stb refuses PNGs over 2^30 bytes of pixels as "unknown image type".
  if (std::optional<PngHeader> png = png_header(bytes, length)) check_pixels(name, png->width, png->height, max_pixels);
  int width = 0, height = 0, channels = 0;
  if (!stbi_info_from_memory(bytes, size, &width, &height, &channels))
    throw Error(name + ": not a readable PNG, JPEG, BMP or GIF (" + stbi_failure_reason() + ")");
  check_pixels(name, static_cast<uint64_t>(width), static_cast<uint64_t>(height), max_pixels);
  check_png_inflation(bytes, length, name);
  unsigned char* rgba = stbi_load_from_memory(bytes, size, &width, &height, &channels, 4);
  if (!rgba) throw Error(name + ": cannot decode (" + stbi_failure_reason() + ")");
  const int64_t area = int64_t{width} * height;
  Pixels out{3, height, width, std::vector<float>(static_cast<size_t>(3 * area)), channels >= 3};
  for (int64_t i = 0; i < area; ++i) {
    const float alpha = rgba[4 * i + 3] / 255.0f;
    for (int64_t c = 0; c < 3; ++c)
      out.values[c * area + i] =
          alpha == 1.0f ? rgba[4 * i + c] : alpha * rgba[4 * i + c] + (1 - alpha) * background[c];
  }
  stbi_image_free(rgba);
  const int orientation = exif_orientation(bytes, length);
  return orientation == 1 ? out : oriented(out, orientation);
}

Pixels fit_to(const Pixels& rgb, const ImageLayout& layout) {
  if (!layout.resizes()) return rgb;
  const int64_t H = layout.height, W = layout.width, h = rgb.height, w = rgb.width;
  switch (layout.fit) {
    case Fit::stretch:
      return resample(rgb, whole(rgb), H, W);
    case Fit::crop: {
      // The largest centred window of the target's aspect.
      int64_t ch = h, cw = w;
      if (w * H > h * W) cw = std::max<int64_t>(1, (h * W + H / 2) / H);
      else ch = std::max<int64_t>(1, (w * H + W / 2) / W);
      return resample(rgb, {(h - ch) / 2, (w - cw) / 2, ch, cw}, H, W);
    }
    case Fit::pad: {
      const double scale = std::min(static_cast<double>(W) / w, static_cast<double>(H) / h);
      const int64_t sh = std::clamp<int64_t>(std::llround(h * scale), 1, H);
      const int64_t sw = std::clamp<int64_t>(std::llround(w * scale), 1, W);
      const Pixels inner = resample(rgb, whole(rgb), sh, sw);
      Pixels out{rgb.channels, H, W, std::vector<float>(static_cast<size_t>(rgb.channels * H * W)), rgb.colour};
      const int64_t top = (H - sh) / 2, left = (W - sw) / 2;
      for (int64_t c = 0; c < rgb.channels; ++c) {
        std::fill_n(out.values.begin() + c * H * W, H * W, layout.background[static_cast<size_t>(c % 3)]);
        for (int64_t y = 0; y < sh; ++y)
          std::copy_n(inner.values.begin() + (c * sh + y) * sw, sw, out.values.begin() + (c * H + top + y) * W + left);
      }
      return out;
    }
  }
  return rgb;
}

Pixels to_gray(const Pixels& rgb) {
  if (rgb.channels == 1) return rgb;
  const int64_t area = rgb.height * rgb.width;
  Pixels out{1, rgb.height, rgb.width, std::vector<float>(static_cast<size_t>(area)), rgb.colour};
  const float* r = rgb.values.data();
  const float *g = r + area, *b = g + area;
  for (int64_t i = 0; i < area; ++i)
    out.values[i] = r[i] == g[i] && g[i] == b[i] ? r[i] : 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
  return out;
}

Pixels decode_pixels(const unsigned char* bytes, size_t length, const std::string& name, const ImageLayout& layout,
                     int64_t max_pixels) {
  Pixels pixels = fit_to(decode_rgb(bytes, length, name, layout.background, max_pixels), layout);
  const bool gray = layout.color == ColorMode::gray || (layout.color == ColorMode::keep && !pixels.colour);
  return gray ? to_gray(pixels) : pixels;
}

Pixels read_pixels(const std::string& path, const ImageLayout& layout) {
  constexpr size_t kMaxImageFile = size_t{kMaxImagePixels} * 4 + (size_t{1} << 20);  // the largest, uncompressed RGBA
  const std::vector<unsigned char> bytes = read_bytes(path, ReadLimits{kMaxImageFile, 1});
  return decode_pixels(bytes.data(), bytes.size(), path, layout);
}

}  // namespace latent
