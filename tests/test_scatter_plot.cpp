// Scatter plots of codes: valid PNG/SVG files with one point per input.
#include <gtest/gtest.h>
#include <stb/stb_image.h>
#include <unistd.h>

#include <filesystem>

#include "latent/base/error.h"
#include "latent/base/read_bytes.h"
#include "latent/io/scatter_plot.h"
#include "scratch_path.h"

namespace {

using latent::testing::scratch_path;

latent::ScatterPlot three_clusters() {
  latent::ScatterPlot plot;
  for (int i = 0; i < 30; ++i) {
    int label = i % 3;
    plot.xy.push_back(static_cast<float>(label * 10 + (i % 5)));
    plot.xy.push_back(static_cast<float>(label * -7 + (i % 4)));
    plot.labels.push_back(label);
  }
  plot.title = "a <test> & more";
  return plot;
}

std::string read_text(const std::string& path) {
  std::vector<unsigned char> bytes = latent::read_bytes(path);
  return {bytes.begin(), bytes.end()};
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(ScatterPlot, SvgHasOneCirclePerPointAndALegend) {
  std::string path = scratch_path("map.svg");
  latent::ScatterPlot plot = three_clusters();
  latent::write_scatter_plot(path, plot);
  std::string svg = read_text(path);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(count(svg, "<circle"), plot.labels.size());
  EXPECT_NE(svg.find("a &lt;test&gt; &amp; more"), std::string::npos);
  unsigned char c[3];
  for (int label = 0; label < 3; ++label) {  // a legend entry per label, in the label's colour
    latent::label_colour(label, c);
    char hex[8];
    std::snprintf(hex, sizeof hex, "#%02x%02x%02x", c[0], c[1], c[2]);
    EXPECT_EQ(count(svg, hex), 10u + 1u) << hex;
  }
  std::filesystem::remove(path);
}

TEST(ScatterPlot, PngDecodesAndShowsEveryLabelColour) {
  std::string path = scratch_path("map.png");
  latent::ScatterPlot plot = three_clusters();
  latent::write_scatter_plot(path, plot);
  std::string png = read_text(path);
  int w = 0, h = 0, channels = 0;
  unsigned char* rgb = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(png.data()),
                                             static_cast<int>(png.size()), &w, &h, &channels, 3);
  ASSERT_NE(rgb, nullptr);
  EXPECT_GT(w, 200);
  EXPECT_GT(h, 200);
  for (int label = 0; label < 3; ++label) {  // the legend square is drawn opaque in the exact colour
    unsigned char c[3];
    latent::label_colour(label, c);
    bool found = false;
    for (int i = 0; i < w * h && !found; ++i)
      found = rgb[3 * i] == c[0] && rgb[3 * i + 1] == c[1] && rgb[3 * i + 2] == c[2];
    EXPECT_TRUE(found) << "label " << label;
  }
  stbi_image_free(rgb);
  std::filesystem::remove(path);
}

// Dark pixels in the margins: the title above the plot, the x label below it, the y label left of
// it (the points, frame and legend are all inside or right of the frame).
std::vector<int> dark_pixels_in_margins(const latent::ScatterPlot& plot) {
  std::string path = scratch_path("margins.png");
  latent::write_scatter_plot(path, plot);
  std::string png = read_text(path);
  std::filesystem::remove(path);
  int w = 0, h = 0, channels = 0;
  unsigned char* rgb = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(png.data()),
                                             static_cast<int>(png.size()), &w, &h, &channels, 3);
  EXPECT_NE(rgb, nullptr);
  if (!rgb) return {};
  const int margin = 36;
  std::vector<int> dark(3, 0);  // above, below, left
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const unsigned char* p = rgb + 3 * (static_cast<size_t>(y) * w + x);
      if (p[0] > 60 || p[1] > 60 || p[2] > 60) continue;
      if (y < margin) ++dark[0];
      else if (y >= h - margin) ++dark[1];
      else if (x < margin) ++dark[2];
    }
  stbi_image_free(rgb);
  return dark;
}

TEST(ScatterPlot, PngHasTheTitleAndAxisLabels) {
  latent::ScatterPlot plot = three_clusters();
  plot.x_label = "code 1", plot.y_label = "code 2";
  for (int dark : dark_pixels_in_margins(plot)) EXPECT_GT(dark, 20);
  plot.title = plot.x_label = plot.y_label = "";  // the margins hold nothing else
  EXPECT_EQ(dark_pixels_in_margins(plot), std::vector<int>(3, 0));
}

TEST(ScatterPlot, RefusesBadInputWithoutWriting) {
  latent::ScatterPlot plot = three_clusters();
  EXPECT_THROW(latent::write_scatter_plot(scratch_path("map.jpg"), plot), latent::Error);
  EXPECT_FALSE(std::filesystem::exists(scratch_path("map.jpg")));
  plot.labels.pop_back();
  EXPECT_THROW(latent::write_scatter_plot(scratch_path("bad.svg"), plot), latent::Error);
  EXPECT_FALSE(std::filesystem::exists(scratch_path("bad.svg")));
}
