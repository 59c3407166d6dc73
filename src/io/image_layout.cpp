#include "latent/io/image_layout.h"

#include <cstdio>

#include "latent/base/error.h"

namespace latent {
namespace {

constexpr int64_t kMaxSide = 4096;

}  // namespace

ImageLayout ImageLayout::for_input(const std::vector<int64_t>& input_shape) const {
  ImageLayout fixed = *this;
  if (input_shape.size() != 3) return fixed;
  fixed.color = input_shape[0] == 3 ? ColorMode::rgb : ColorMode::gray;
  fixed.height = input_shape[1], fixed.width = input_shape[2];
  return fixed;
}

void ImageLayout::set_size(const std::string& text) {
  int w = 0, h = 0, used = 0;
  if (std::sscanf(text.c_str(), "%dx%d%n", &w, &h, &used) != 2 || used != static_cast<int>(text.size()) || w < 1 ||
      h < 1 || w > kMaxSide || h > kMaxSide)
    throw SettingError("resize", "'" + text + "': expected WIDTHxHEIGHT, each 1 to 4096, like 64x64");
  width = w, height = h;
}

void ImageLayout::set_background(const std::string& text) {
  unsigned r = 0, g = 0, b = 0;
  int used = 0;
  if (text == "white") background = {255, 255, 255};
  else if (text == "black") background = {0, 0, 0};
  else if (text.size() == 7 && std::sscanf(text.c_str(), "#%2x%2x%2x%n", &r, &g, &b, &used) == 3 && used == 7)
    background = {static_cast<float>(r), static_cast<float>(g), static_cast<float>(b)};
  else throw SettingError("background", "'" + text + "': expected white, black or #rrggbb");
}

nlohmann::json ImageLayout::to_json() const {
  return {{"color", name_of(color)},
          {"width", width},
          {"height", height},
          {"fit", name_of(fit)},
          {"background", {background[0], background[1], background[2]}}};
}

ImageLayout ImageLayout::from_json(const nlohmann::json& j) {
  ImageLayout layout;
  layout.color = parse_part<ColorMode>("image_layout.color", j.at("color").get<std::string>());
  layout.fit = parse_part<Fit>("image_layout.fit", j.at("fit").get<std::string>());
  layout.width = j.at("width").get<int64_t>(), layout.height = j.at("height").get<int64_t>();
  if (layout.width < 0 || layout.height < 0 || layout.width > kMaxSide || layout.height > kMaxSide ||
      (layout.width == 0) != (layout.height == 0))
    throw SettingError("image_layout", "size out of range");
  const auto& bg = j.at("background");
  if (!bg.is_array() || bg.size() != 3) throw SettingError("image_layout", "background is not 3 numbers");
  for (size_t c = 0; c < 3; ++c) {
    const float v = bg[c].get<float>();
    if (!(v >= 0 && v <= 255)) throw SettingError("image_layout", "background out of 0..255");
    layout.background[c] = v;
  }
  return layout;
}

}  // namespace latent
