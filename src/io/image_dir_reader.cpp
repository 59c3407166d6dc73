#include <algorithm>
#include <filesystem>
#include <vector>

#include "latent/base/error.h"
#include "latent/io/image_pixels.h"
#include "latent/io/raw_data.h"

namespace latent {
namespace {

std::vector<std::filesystem::path> sorted_entries(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> entries;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) entries.push_back(entry.path());
  std::sort(entries.begin(), entries.end());
  return entries;
}

RawData raw_image(const Pixels& pixels) {
  RawData raw;
  raw.is_image = true;
  raw.sample_shape = {pixels.channels, pixels.height, pixels.width};
  raw.values = pixels.values;
  return raw;
}

std::string size_text(const Pixels& p) { return std::to_string(p.width) + "x" + std::to_string(p.height); }

}  // namespace

RawData read_image_file(const std::string& path, const ImageLayout& layout) {
  RawData raw = raw_image(read_pixels(path, layout));
  raw.paths.push_back(path);
  return raw;
}

RawData read_image_dir(const std::string& dir, const ImageLayout& layout) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw Error("images:" + dir + ": not a directory");
  // Files directly in dir (no labels), or one subfolder per class (label = folder index).
  std::vector<std::pair<std::filesystem::path, int64_t>> files;
  int64_t next_label = 0;
  for (const auto& entry : sorted_entries(dir)) {
    if (std::filesystem::is_directory(entry)) {
      bool any = false;
      for (const auto& file : sorted_entries(entry))
        if (is_image_file_name(file.string())) files.emplace_back(file, next_label), any = true;
      next_label += any;
    } else if (is_image_file_name(entry.string())) {
      files.emplace_back(entry, -1);
    }
  }
  if (files.empty()) throw Error("images:" + dir + ": no .png, .jpg, .bmp or .gif files");
  const bool labelled = files.front().second >= 0;
  // Read as RGB (fitted), then made grey when asked or when (keep) no file had colour.
  ImageLayout rgb_layout = layout;
  rgb_layout.color = layout.color == ColorMode::gray ? ColorMode::gray : ColorMode::rgb;
  RawData raw;
  raw.is_image = true;
  bool any_colour = false;
  std::string first_path;
  for (const auto& [path, label] : files) {
    if ((label >= 0) != labelled)
      throw Error("images:" + dir + ": mixes files at the top with class subfolders; use one layout");
    Pixels image = read_pixels(path.string(), rgb_layout);
    any_colour |= image.colour;
    const std::vector<int64_t> shape = {image.channels, image.height, image.width};
    if (raw.sample_shape.empty()) raw.sample_shape = shape, first_path = path.string();
    if (raw.sample_shape[1] != shape[1] || raw.sample_shape[2] != shape[2])
      throw Error(path.string() + ": " + size_text(image) + ", but " + first_path + " is " +
                  std::to_string(raw.sample_shape[2]) + "x" + std::to_string(raw.sample_shape[1]) +
                  "; pass --resize WxH to bring every image to one size");
    raw.values.insert(raw.values.end(), image.values.begin(), image.values.end());
    if (labelled) raw.labels.push_back(label);
    raw.paths.push_back(path.string());
  }
  if (layout.color == ColorMode::keep && !any_colour && raw.sample_shape[0] == 3) {
    // Every file was grey: one plane each.
    const int64_t area = raw.sample_shape[1] * raw.sample_shape[2], count = raw.count();
    for (int64_t i = 0; i < count; ++i)
      std::copy_n(raw.values.begin() + i * 3 * area, area, raw.values.begin() + i * area);
    raw.values.resize(static_cast<size_t>(count * area));
    raw.sample_shape[0] = 1;
  }
  return raw;
}

}  // namespace latent
