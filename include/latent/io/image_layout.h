#pragma once
// How an image file becomes a model's pixels: its colours, its size and how it is fitted to that
// size. Chosen when a model is trained, saved with it, and applied to every image given to the
// model later (queries, uploads, folders to index), so a picture of any size and format can be
// compared with what the model was trained on.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "latent/io/model_parts.h"

namespace latent {

/// keep: each file's own (a folder with any colour file is read as RGB); rgb, gray: forced.
enum class ColorMode { keep, rgb, gray };
/// crop: centre crop to the target's aspect, then resize; pad: resize to fit inside, the rest
/// background; stretch: resize each axis on its own.
enum class Fit { crop, pad, stretch };

template <>
struct PartNames<ColorMode> {
  static constexpr std::array<const char*, 3> names{"keep", "rgb", "gray"};
};
template <>
struct PartNames<Fit> {
  static constexpr std::array<const char*, 3> names{"crop", "pad", "stretch"};
};

struct ImageLayout {
  ColorMode color = ColorMode::keep;
  int64_t width = 0, height = 0;  ///< 0 × 0: each file's own size (a folder's files must then agree)
  Fit fit = Fit::crop;
  std::array<float, 3> background{255, 255, 255};  ///< RGB under transparent pixels (and pad's border)

  bool resizes() const { return width > 0; }
  /// This layout with its colour and size fixed to a model's input {C, H, W}: what a query needs.
  ImageLayout for_input(const std::vector<int64_t>& input_shape) const;

  /// "WxH" (each 1..4096); SettingError("resize", ...) otherwise.
  void set_size(const std::string& text);
  /// "white", "black" or "#rrggbb"; SettingError("background", ...) otherwise.
  void set_background(const std::string& text);

  nlohmann::json to_json() const;
  static ImageLayout from_json(const nlohmann::json& j);
};

}  // namespace latent
