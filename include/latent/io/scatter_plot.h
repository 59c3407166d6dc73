#pragma once
// 2-D scatter plots of codes, coloured by label, with a legend: PNG (drawn here, written with
// stb) or SVG (one <circle> per point), chosen by the file extension. No torch.
#include <cstdint>
#include <string>
#include <vector>

namespace latent {

struct ScatterPlot {
  std::vector<float> xy;                     ///< count × 2, row-major
  std::vector<int64_t> labels;               ///< one per point (0..9 get distinct colours; -1 = unlabelled)
  std::string title;                         ///< above the plot (the PNG draws it in a 3×5 capital font)
  std::string x_label = "x", y_label = "y";  ///< axis labels
};

/// Writes atomically; throws latent::Error for an extension other than .png/.svg or no points.
void write_scatter_plot(const std::string& path, const ScatterPlot& plot);

/// The RGB colour of a label (a ten-colour palette, repeating; grey for -1).
void label_colour(int64_t label, unsigned char rgb[3]);

}  // namespace latent
