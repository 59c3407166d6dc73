#include <algorithm>
#include <filesystem>
#include <optional>
#include <vector>

#include <stb/stb_image.h>

#include "latent/base/error.h"
#include "latent/base/read_bytes.h"
#include "latent/io/png_inflation.h"
#include "latent/io/raw_data.h"

namespace latent {
namespace {

bool is_image_file(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

std::vector<std::filesystem::path> sorted_entries(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> entries;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) entries.push_back(entry.path());
  std::sort(entries.begin(), entries.end());
  return entries;
}

constexpr int64_t kMaxPixels = int64_t{4096} * 4096;

void check_pixels(const std::string& path, uint64_t width, uint64_t height) {
  if (width * height > static_cast<uint64_t>(kMaxPixels))
    throw Error(path + ": " + std::to_string(width) + "x" + std::to_string(height) +
                " pixels is more than latent reads (4096x4096)");
}

}  // namespace

RawData read_image_file(const std::string& path) {
  constexpr size_t kMaxImageFile = size_t{256} << 20;  // 4096x4096 RGBA, uncompressed
  const std::vector<unsigned char> bytes = read_bytes(path, ReadLimits{kMaxImageFile, 1});
  const int length = static_cast<int>(bytes.size());
  // From the PNG header first: stb refuses PNGs over 2^30 bytes of pixels as "unknown image type".
  if (std::optional<PngHeader> png = png_header(bytes.data(), bytes.size()))
    check_pixels(path, png->width, png->height);
  int width = 0, height = 0, channels = 0;
  if (!stbi_info_from_memory(bytes.data(), length, &width, &height, &channels))
    throw Error(path + ": not a readable PNG or JPEG (" + stbi_failure_reason() + ")");
  check_pixels(path, static_cast<uint64_t>(width), static_cast<uint64_t>(height));
  check_png_inflation(bytes.data(), bytes.size(), path);
  unsigned char* pixels = stbi_load_from_memory(bytes.data(), length, &width, &height, &channels, 1);
  if (!pixels) throw Error(path + ": cannot decode (" + stbi_failure_reason() + ")");
  RawData raw;
  raw.is_image = true;
  raw.sample_shape = {1, height, width};
  raw.values.assign(pixels, pixels + int64_t{width} * height);
  stbi_image_free(pixels);
  raw.paths.push_back(path);
  return raw;
}

RawData read_image_dir(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw Error("images:" + dir + ": not a directory");
  // Files directly in dir (no labels), or one subfolder per class (label = folder index).
  std::vector<std::pair<std::filesystem::path, int64_t>> files;
  int64_t next_label = 0;
  for (const auto& entry : sorted_entries(dir)) {
    if (std::filesystem::is_directory(entry)) {
      bool any = false;
      for (const auto& file : sorted_entries(entry))
        if (is_image_file(file)) files.emplace_back(file, next_label), any = true;
      next_label += any;
    } else if (is_image_file(entry)) {
      files.emplace_back(entry, -1);
    }
  }
  if (files.empty()) throw Error("images:" + dir + ": no .png or .jpg files");
  bool labelled = files.front().second >= 0;
  RawData raw;
  raw.is_image = true;
  for (const auto& [path, label] : files) {
    if ((label >= 0) != labelled)
      throw Error("images:" + dir + ": mixes files at the top with class subfolders; use one layout");
    RawData image = read_image_file(path.string());
    if (raw.sample_shape.empty()) raw.sample_shape = image.sample_shape;
    if (raw.sample_shape != image.sample_shape)
      throw Error(path.string() + ": " + std::to_string(image.sample_shape[2]) + "x" +
                  std::to_string(image.sample_shape[1]) + ", the other images are " +
                  std::to_string(raw.sample_shape[2]) + "x" + std::to_string(raw.sample_shape[1]));
    raw.values.insert(raw.values.end(), image.values.begin(), image.values.end());
    if (labelled) raw.labels.push_back(label);
    raw.paths.push_back(path.string());
  }
  return raw;
}

}  // namespace latent
