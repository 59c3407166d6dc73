#include <algorithm>
#include <filesystem>
#include <vector>

#include "latent/base/error.h"
#include "latent/base/progress.h"
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

// Grey images of `area` pixels each, one after another → the same with each plane three times.
std::vector<float> grey_to_rgb(const std::vector<float>& grey, int64_t area) {
  std::vector<float> rgb;
  rgb.reserve(grey.size() * 3);
  for (auto plane = grey.begin(); plane != grey.end(); plane += area)
    for (int c = 0; c < 3; ++c) rgb.insert(rgb.end(), plane, plane + area);
  return rgb;
}

std::string size_text(const Pixels& p) { return std::to_string(p.width) + "x" + std::to_string(p.height); }

}  // namespace

RawData read_image_file(const std::string& path, const ImageLayout& layout) {
  RawData raw = raw_image(read_pixels(path, layout));
  raw.paths.push_back(path);
  return raw;
}

std::string skipped_files_note(const std::string& dir, const std::vector<std::string>& skipped) {
  if (skipped.empty()) return "";
  return "images:" + dir + ": skipped " + std::to_string(skipped.size()) +
         " entries that are not .png, .jpg, .bmp or .gif files (" + skipped.front() +
         (skipped.size() > 1 ? ", ..." : "") + ")";
}

std::vector<ImageFileEntry> list_image_files(const std::string& dir, std::vector<std::string>* skipped) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw Error("images:" + dir + ": not a directory");
  // Files directly in dir (no labels), or one subfolder per class (label = folder index).
  std::vector<ImageFileEntry> files;
  auto take = [&](const std::filesystem::path& file, int64_t label) {
    if (is_image_file_name(file.string())) files.push_back({file.string(), label});
    else if (skipped && file.filename().string().front() != '.') skipped->push_back(file.string());
    return is_image_file_name(file.string());
  };
  int64_t next_label = 0;
  for (const auto& entry : sorted_entries(dir)) {
    if (std::filesystem::is_directory(entry)) {
      bool any = false;
      for (const auto& file : sorted_entries(entry)) any = take(file, next_label) || any;
      next_label += any;
    } else {
      take(entry, -1);
    }
  }
  if (files.empty()) throw Error("images:" + dir + ": no .png, .jpg, .bmp or .gif files");
  for (const ImageFileEntry& file : files)
    if ((file.label >= 0) != (files.front().label >= 0))
      throw Error("images:" + dir + ": mixes files at the top with class subfolders; use one layout");
  return files;
}

std::optional<Pixels> UnreadFiles::read(const std::string& path, const ImageLayout& layout) {
  try {
    return read_pixels(path, layout);
  } catch (const Error& e) {
    if (rule == UnreadableFiles::refuse)
      throw Error(std::string(e.what()) + "; --skip-unreadable leaves out the files that cannot be read");
    reasons.push_back(e.what());
    return std::nullopt;
  }
}

std::string UnreadFiles::note(const std::string& dir) const {
  if (reasons.empty()) return "";
  return "images:" + dir + ": left out " + std::to_string(reasons.size()) + " files that are not readable images (" +
         reasons.front() + (reasons.size() > 1 ? "; ..." : "") + ")";
}

std::string UnreadFiles::nothing_read(const std::string& dir) const {
  return "images:" + dir + ": no file could be read as an image (" + (reasons.empty() ? "" : reasons.front()) + ")";
}

std::vector<std::string> image_class_names(const std::vector<ImageFileEntry>& files) {
  std::vector<std::string> names;
  for (const auto& [path, label] : files)
    if (label == static_cast<int64_t>(names.size()))  // classes come in order
      names.push_back(std::filesystem::path(path).parent_path().filename().string());
  return names;
}

RawData read_image_dir(const std::string& dir, const ImageLayout& layout, UnreadableFiles unreadable) {
  std::vector<std::string> skipped;
  const std::vector<ImageFileEntry> files = list_image_files(dir, &skipped);
  const bool labelled = files.front().label >= 0;
  UnreadFiles unread{unreadable, {}};
  // Grey files stay one plane (keep) until a colour file turns up; the folder is then RGB and
  // what was read so far gets three equal planes, so an all-grey folder is never held three times.
  RawData raw;
  raw.is_image = true;
  std::string first_path;
  raw.label_names = image_class_names(files);
  for (const auto& [path, label] : files) {
    std::optional<Pixels> read = unread.read(path, layout);
    if (!read) continue;
    Pixels& image = *read;
    const std::vector<int64_t> shape = {image.channels, image.height, image.width};
    if (raw.sample_shape.empty()) raw.sample_shape = shape, first_path = path;
    if (raw.sample_shape[1] != shape[1] || raw.sample_shape[2] != shape[2])
      throw Error(path + ": " + size_text(image) + ", but " + first_path + " is " +
                  std::to_string(raw.sample_shape[2]) + "x" + std::to_string(raw.sample_shape[1]) +
                  "; pass --resize WxH to bring every image to one size");
    if (image.channels > raw.sample_shape[0]) {
      raw.values = grey_to_rgb(raw.values, shape[1] * shape[2]);
      raw.sample_shape[0] = image.channels;
    }
    if (image.channels < raw.sample_shape[0]) image.values = grey_to_rgb(image.values, shape[1] * shape[2]);
    raw.values.insert(raw.values.end(), image.values.begin(), image.values.end());
    if (labelled) raw.labels.push_back(label);
    raw.paths.push_back(path);
  }
  if (raw.paths.empty()) throw Error(unread.nothing_read(dir));
  // After the read: an error stays one line.
  if (!skipped.empty()) log_line(skipped_files_note(dir, skipped));
  if (!unread.reasons.empty()) log_line(unread.note(dir));
  return raw;
}

}  // namespace latent
