#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include <stb/stb_image.h>

#include "latent/base/error.h"
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

// stb refuses PNGs over 2^30 bytes of pixels as "unknown image type": the header says why.
void check_png_size(const std::string& path, const std::vector<unsigned char>& bytes) {
  if (bytes.size() < 24 || std::memcmp(bytes.data(), "\x89PNG\r\n\x1a\n", 8) != 0 ||
      std::memcmp(bytes.data() + 12, "IHDR", 4) != 0)
    return;
  auto be32 = [&](int at) {
    return uint32_t{bytes[at]} << 24 | uint32_t{bytes[at + 1]} << 16 | uint32_t{bytes[at + 2]} << 8 | bytes[at + 3];
  };
  uint64_t width = be32(16), height = be32(20);
  if (width * height > kMaxPixels)
    throw Error(path + ": " + std::to_string(width) + "x" + std::to_string(height) +
                " pixels is more than latent reads (4096x4096)");
}

std::vector<unsigned char> read_file(const std::string& path) {
  constexpr std::uintmax_t kMaxFile = std::uintmax_t{256} << 20;  // 4096x4096 RGBA, uncompressed
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(path + ": cannot read (" + ec.message() + ")");
  if (size > kMaxFile) throw Error(path + ": " + std::to_string(size) + " bytes is larger than an image latent reads");
  std::vector<unsigned char> bytes(size);
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
    throw Error(path + ": cannot read");
  return bytes;
}

}  // namespace

RawData read_image_file(const std::string& path) {
  const std::vector<unsigned char> bytes = read_file(path);
  const int length = static_cast<int>(bytes.size());
  int width = 0, height = 0, channels = 0;
  if (!stbi_info_from_memory(bytes.data(), length, &width, &height, &channels)) {
    check_png_size(path, bytes);
    throw Error(path + ": not a readable PNG or JPEG (" + stbi_failure_reason() + ")");
  }
  if (int64_t{width} * height > kMaxPixels)
    throw Error(path + ": " + std::to_string(width) + "x" + std::to_string(height) +
                " pixels is more than latent reads (4096x4096)");
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
