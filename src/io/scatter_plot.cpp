#include "latent/io/scatter_plot.h"

#include <stb/stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "latent/base/atomic_file.h"
#include "latent/base/error.h"

namespace latent {
namespace {

constexpr int kWidth = 900, kHeight = 760;
constexpr int kLeft = 40, kTop = 40, kRight = kWidth - 150, kBottom = kHeight - 40;  // plot area

// A 3×5 bitmap font for the PNG's title, axis labels and legend: one row per 3 bits, top row
// first. Lower case is drawn as upper case; other characters as a space.
constexpr char kGlyphChars[] = "0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZ.,:()/_=%+";
constexpr unsigned short kGlyphs[] = {
    075557, 026227, 071747, 071717, 055711, 074717, 074757, 071111, 075757, 075717, 000700,  // 0-9 -
    025755, 065656, 034443, 065556, 074647, 074644, 034553, 055755, 072227, 011152, 055655,  // A-K
    044447, 057755, 065555, 025552, 065644, 025563, 065655, 034216, 072222, 055557, 055552,  // L-V
    055775, 055255, 055222, 071247, 000002, 000024, 002020, 012221, 042224, 011244, 000007,  // W-Z . , : ( ) / _
    007070, 051245, 002720};                                                                 // = % +
static_assert(sizeof kGlyphs / sizeof kGlyphs[0] == sizeof kGlyphChars - 1, "one glyph per character");

unsigned short glyph(char ch) {
  if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  for (size_t i = 0; i + 1 < sizeof kGlyphChars; ++i)
    if (kGlyphChars[i] == ch) return kGlyphs[i];
  return 0;
}

// The width in pixels of `text` drawn at `scale` (4 columns a character, no trailing gap).
int text_width(const std::string& text, int scale) {
  return text.empty() ? 0 : (4 * static_cast<int>(text.size()) - 1) * scale;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct Frame {
  float x0, x1, y0, y1;
  explicit Frame(const std::vector<float>& xy) {
    x0 = y0 = INFINITY;
    x1 = y1 = -INFINITY;
    for (size_t i = 0; i + 1 < xy.size(); i += 2) {
      if (!std::isfinite(xy[i]) || !std::isfinite(xy[i + 1])) continue;
      x0 = std::min(x0, xy[i]), x1 = std::max(x1, xy[i]);
      y0 = std::min(y0, xy[i + 1]), y1 = std::max(y1, xy[i + 1]);
    }
    if (!(x1 > x0)) x0 -= 1, x1 += 1;
    if (!(y1 > y0)) y0 -= 1, y1 += 1;
    const float pad_x = 0.03f * (x1 - x0), pad_y = 0.03f * (y1 - y0);
    x0 -= pad_x, x1 += pad_x, y0 -= pad_y, y1 += pad_y;
  }
  float px(float x) const { return kLeft + (x - x0) / (x1 - x0) * (kRight - kLeft); }
  float py(float y) const { return kBottom - (y - y0) / (y1 - y0) * (kBottom - kTop); }  // y grows upwards
};

std::vector<int64_t> legend_labels(const std::vector<int64_t>& labels) {
  std::set<int64_t> distinct(labels.begin(), labels.end());
  return {distinct.begin(), distinct.end()};
}

class Canvas {
 public:
  Canvas() : rgb_(static_cast<size_t>(kWidth * kHeight * 3), 255) {}
  void blend(int x, int y, const unsigned char c[3], float alpha) {
    if (x < 0 || y < 0 || x >= kWidth || y >= kHeight) return;
    unsigned char* p = &rgb_[(static_cast<size_t>(y) * kWidth + x) * 3];
    for (int i = 0; i < 3; ++i) p[i] = static_cast<unsigned char>(std::lround(p[i] * (1 - alpha) + c[i] * alpha));
  }
  void rect(int x, int y, int w, int h, const unsigned char c[3]) {
    for (int j = y; j < y + h; ++j)
      for (int i = x; i < x + w; ++i) blend(i, j, c, 1.0f);
  }
  void disk(float cx, float cy, float r, const unsigned char c[3], float alpha) {
    for (int j = static_cast<int>(std::floor(cy - r)); j <= static_cast<int>(std::ceil(cy + r)); ++j)
      for (int i = static_cast<int>(std::floor(cx - r)); i <= static_cast<int>(std::ceil(cx + r)); ++i)
        if ((i - cx) * (i - cx) + (j - cy) * (j - cy) <= r * r) blend(i, j, c, alpha);
  }
  // Draws `str` from (x, y), its top-left corner; `upwards` turns it 90° anticlockwise (then
  // (x, y) is its bottom-left corner), as for a y-axis label.
  void text(int x, int y, const std::string& str, int scale, const unsigned char c[3], bool upwards = false) {
    for (size_t i = 0; i < str.size(); ++i) {
      const unsigned short bits = glyph(str[i]);
      const int along = static_cast<int>(i) * 4 * scale;
      for (int row = 0; row < 5; ++row)
        for (int col = 0; col < 3; ++col) {
          if (!((bits >> ((4 - row) * 3 + (2 - col))) & 1)) continue;
          const int u = along + col * scale, v = row * scale;  // position along and across the text
          if (upwards) rect(x + v, y - u - scale, scale, scale, c);
          else rect(x + u, y + v, scale, scale, c);
        }
    }
  }
  std::string png() const {
    std::string out;
    auto append = [](void* context, void* data, int size) {
      static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
    };
    if (!stbi_write_png_to_func(append, &out, kWidth, kHeight, 3, rgb_.data(), kWidth * 3))
      throw Error("PNG encoding failed");
    return out;
  }

 private:
  std::vector<unsigned char> rgb_;
};

std::string render_png(const ScatterPlot& plot, const Frame& frame) {
  Canvas canvas;
  const unsigned char frame_colour[3] = {160, 160, 160}, black[3] = {0, 0, 0};
  canvas.rect(kLeft, kTop, kRight - kLeft, 1, frame_colour);
  canvas.rect(kLeft, kBottom, kRight - kLeft, 1, frame_colour);
  canvas.rect(kLeft, kTop, 1, kBottom - kTop, frame_colour);
  canvas.rect(kRight, kTop, 1, kBottom - kTop + 1, frame_colour);
  canvas.text(kLeft, 14, plot.title, 2, black);
  canvas.text((kLeft + kRight - text_width(plot.x_label, 2)) / 2, kBottom + 16, plot.x_label, 2, black);
  canvas.text(kLeft - 26, (kTop + kBottom + text_width(plot.y_label, 2)) / 2, plot.y_label, 2, black, true);
  for (size_t i = 0; i < plot.labels.size(); ++i) {
    unsigned char c[3];
    label_colour(plot.labels[i], c);
    canvas.disk(frame.px(plot.xy[2 * i]), frame.py(plot.xy[2 * i + 1]), 2.6f, c, 0.6f);
  }
  int y = kTop;
  for (int64_t label : legend_labels(plot.labels)) {
    unsigned char c[3];
    label_colour(label, c);
    canvas.rect(kRight + 25, y, 18, 18, c);
    canvas.text(kRight + 52, y + 2, std::to_string(label), 3, black);
    y += 30;
  }
  return canvas.png();
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string hex_colour(int64_t label) {
  unsigned char c[3];
  label_colour(label, c);
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c[0], c[1], c[2]);
  return buf;
}

std::string render_svg(const ScatterPlot& plot, const Frame& frame) {
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
    << "\" viewBox=\"0 0 " << kWidth << ' ' << kHeight << "\" font-family=\"sans-serif\">\n";
  s << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s << "<text x=\"" << kLeft << "\" y=\"25\" font-size=\"16\">" << xml_escape(plot.title) << "</text>\n";
  s << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << kRight - kLeft << "\" height=\"" << kBottom - kTop
    << "\" fill=\"none\" stroke=\"#a0a0a0\"/>\n";
  s << "<text x=\"" << (kLeft + kRight) / 2 << "\" y=\"" << kBottom + 28
    << "\" font-size=\"14\" text-anchor=\"middle\">" << xml_escape(plot.x_label) << "</text>\n";
  s << "<text transform=\"translate(" << kLeft - 12 << ',' << (kTop + kBottom) / 2
    << ") rotate(-90)\" font-size=\"14\" text-anchor=\"middle\">" << xml_escape(plot.y_label) << "</text>\n";
  s << "<g fill-opacity=\"0.6\">\n";
  s.setf(std::ios::fixed);
  s.precision(1);
  for (size_t i = 0; i < plot.labels.size(); ++i)
    s << "<circle cx=\"" << frame.px(plot.xy[2 * i]) << "\" cy=\"" << frame.py(plot.xy[2 * i + 1])
      << "\" r=\"2.6\" fill=\"" << hex_colour(plot.labels[i]) << "\"/>\n";
  s << "</g>\n";
  int y = kTop;
  for (int64_t label : legend_labels(plot.labels)) {
    s << "<rect x=\"" << kRight + 25 << "\" y=\"" << y << "\" width=\"18\" height=\"18\" fill=\"" << hex_colour(label)
      << "\"/><text x=\"" << kRight + 52 << "\" y=\"" << y + 15 << "\" font-size=\"16\">" << label << "</text>\n";
    y += 30;
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace

void label_colour(int64_t label, unsigned char rgb[3]) {
  // The "tab10" palette: ten colours that stay distinguishable side by side.
  static const unsigned char kPalette[10][3] = {{31, 119, 180},  {255, 127, 14}, {44, 160, 44},   {214, 39, 40},
                                                {148, 103, 189}, {140, 86, 75},  {227, 119, 194}, {127, 127, 127},
                                                {188, 189, 34},  {23, 190, 207}};
  if (label < 0) {
    rgb[0] = rgb[1] = rgb[2] = 90;
    return;
  }
  std::copy_n(kPalette[label % 10], 3, rgb);
}

void write_scatter_plot(const std::string& path, const ScatterPlot& plot) {
  if (plot.labels.empty() || plot.xy.size() != 2 * plot.labels.size())
    throw Error(path + ": a scatter plot needs one (x, y) pair and one label per point");
  Frame frame(plot.xy);
  if (ends_with(path, ".png")) write_file_atomic(path, render_png(plot, frame));
  else if (ends_with(path, ".svg")) write_file_atomic(path, render_svg(plot, frame));
  else throw SettingError("out", path + ": expected a file ending in .png or .svg");
}

}  // namespace latent
