// Image files to pixels: colour kept or made grey, transparency over a background, the fits
// and the area-averaging resize, other formats, and folders of mixed colour and size.
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>

#include <filesystem>

#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/io/data_source.h"
#include "latent/io/exif_orientation.h"
#include "latent/io/image_grid.h"
#include "latent/io/image_pixels.h"
#include "latent/io/raw_data.h"
#include "scratch_path.h"

namespace latent {
namespace {

using testing::scratch_path;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// width × height RGB(A) bytes, every pixel the same.
std::vector<unsigned char> flat(int width, int height, std::vector<unsigned char> pixel) {
  std::vector<unsigned char> bytes;
  for (int i = 0; i < width * height; ++i) bytes.insert(bytes.end(), pixel.begin(), pixel.end());
  return bytes;
}

Pixels decode(const std::string& bytes, const ImageLayout& layout = {}) {
  return decode_pixels(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), "test", layout);
}

TEST(ImagePixels, KeepsColourAndGreyAndCompositesTransparency) {
  const Pixels rgb = decode(encode_png(flat(4, 2, {250, 10, 20}), 4, 2, 3));
  EXPECT_EQ(rgb.channels, 3);
  EXPECT_EQ(rgb.values[0], 250);
  EXPECT_EQ(rgb.values[8], 10);
  EXPECT_EQ(rgb.values[16], 20);
  const Pixels grey = decode(encode_png(flat(4, 2, {77}), 4, 2, 1));
  EXPECT_EQ(grey.channels, 1);
  EXPECT_EQ(grey.values[7], 77);  // exact: a grey file is not weighted
  ImageLayout gray;
  gray.color = ColorMode::gray;
  EXPECT_NEAR(decode(encode_png(flat(4, 2, {250, 10, 20}), 4, 2, 3), gray).values[0],
              0.299 * 250 + 0.587 * 10 + 0.114 * 20, 1e-3);
  // Half-transparent black over white is mid grey; over black it is black.
  const std::string half = encode_png(flat(2, 2, {0, 0, 0, 128}), 2, 2, 4);
  EXPECT_NEAR(decode(half).values[0], 255 * (1 - 128 / 255.0), 1e-3);
  ImageLayout black;
  black.set_background("black");
  EXPECT_EQ(decode(half, black).values[0], 0);
}

TEST(ImagePixels, FitsCropPadAndStretchWithAreaAveraging) {
  // 4x2: left half 0, right half 200.
  std::vector<unsigned char> halves(4 * 2);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 4; ++x) halves[y * 4 + x] = x < 2 ? 0 : 200;
  const std::string png = encode_png(halves, 4, 2, 1);
  ImageLayout layout;
  layout.set_size("2x2");
  layout.fit = Fit::stretch;  // each output pixel averages two columns
  EXPECT_EQ(decode(png, layout).values, (std::vector<float>{0, 200, 0, 200}));
  layout.fit = Fit::crop;  // the centre 2x2: one column of each
  EXPECT_EQ(decode(png, layout).values, (std::vector<float>{0, 200, 0, 200}));
  layout.set_size("1x1");  // the centre 2x2 averaged
  EXPECT_EQ(decode(png, layout).values, (std::vector<float>{100}));
  // The same on its side (2x4: top half 0, bottom 200): the centre rows.
  std::vector<unsigned char> tall(2 * 4);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 2; ++x) tall[y * 2 + x] = y < 2 ? 0 : 200;
  layout.set_size("2x2");
  EXPECT_EQ(decode(encode_png(tall, 2, 4, 1), layout).values, (std::vector<float>{0, 0, 200, 200}));
  layout.set_size("4x4");
  layout.fit = Fit::pad;  // 4x2 inside 4x4: a white row above and below
  const Pixels padded = decode(png, layout);
  EXPECT_EQ(padded.values[0], 255);
  EXPECT_EQ(padded.values[4], 0);
  EXPECT_EQ(padded.values[7], 200);
  EXPECT_EQ(padded.values[15], 255);
  EXPECT_NE(error_of([&] { layout.set_size("64x"); }).find("expected WIDTHxHEIGHT"), std::string::npos);
  EXPECT_NE(error_of([&] { layout.set_size("0x5"); }).find("expected WIDTHxHEIGHT"), std::string::npos);
}

TEST(ImagePixels, ReadsBmpAndGif) {
  std::string bmp;
  auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  const std::vector<unsigned char> pixels = flat(3, 3, {10, 20, 30});
  ASSERT_TRUE(stbi_write_bmp_to_func(append, &bmp, 3, 3, 3, pixels.data()));
  const Pixels from_bmp = decode(bmp);
  EXPECT_EQ(from_bmp.channels, 3);
  EXPECT_EQ(from_bmp.values[9], 20);
  // A 1x1 GIF89a whose one pixel is palette entry 0, red.
  const std::string gif(
      "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\x00\x00\x00\x00\x00"
      ",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00;",
      35);
  const Pixels from_gif = decode(gif);
  EXPECT_EQ(from_gif.values, (std::vector<float>{255, 0, 0}));
}

// A camera's photo, larger than 4096x4096 pixels (4800x3600 here), reads and fits the model's size.
TEST(ImagePixels, ReadsAPhotoOfACamerasSize) {
  ImageLayout layout;
  layout.set_size("48x36");
  const Pixels photo = decode(encode_png(std::vector<unsigned char>(4800 * 3600, 77), 4800, 3600), layout);
  EXPECT_EQ(photo.channels, 1);
  EXPECT_EQ(photo.height, 36);
  EXPECT_EQ(photo.width, 48);
  ASSERT_EQ(photo.values.size(), 36u * 48u);
  for (const float v : photo.values) EXPECT_NEAR(v, 77.0f, 1e-3f);
}

// A 16x8 JPEG, its left half white and right half black, with an EXIF orientation after its
// start marker: decoded the way it is seen (6 turns it a quarter clockwise: the left half on top).
TEST(ImagePixels, TurnsAPhotoAsItsExifOrientationSays) {
  std::string jpeg;
  auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  std::vector<unsigned char> pixels;
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 16; ++x) pixels.insert(pixels.end(), 3, x < 8 ? 255 : 0);
  ASSERT_TRUE(stbi_write_jpg_to_func(append, &jpeg, 16, 8, 3, pixels.data(), 100));
  auto with_orientation = [&](char value) {
    const std::string exif(
        "\xFF\xE1\x00\x22"
        "Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0",
        29);
    return jpeg.substr(0, 2) + exif + std::string{value, 0, 0, 0, 0, 0, 0} + jpeg.substr(2);
  };
  ImageLayout gray;
  gray.color = ColorMode::gray;
  // Mean of the top-left and bottom-right quarter of what is seen.
  auto corners = [](const Pixels& p) {
    double top_left = 0, bottom_right = 0;
    for (int64_t y = 0; y < p.height / 2; ++y)
      for (int64_t x = 0; x < p.width / 2; ++x) {
        top_left += p.values[y * p.width + x];
        bottom_right += p.values[(p.height - 1 - y) * p.width + (p.width - 1 - x)];
      }
    const double n = static_cast<double>(p.height / 2 * (p.width / 2));
    return std::pair{top_left / n, bottom_right / n};
  };
  const struct {
    char orientation;
    int64_t height, width;
    bool white_top_left;
  } cases[] = {{1, 8, 16, true}, {3, 8, 16, false}, {6, 16, 8, true}, {8, 16, 8, false}};
  for (const auto& c : cases) {
    const Pixels seen = decode(with_orientation(c.orientation), gray);
    EXPECT_EQ(seen.height, c.height) << int{c.orientation};
    EXPECT_EQ(seen.width, c.width) << int{c.orientation};
    const auto [top_left, bottom_right] = corners(seen);
    EXPECT_NEAR(top_left, c.white_top_left ? 255 : 0, 8) << int{c.orientation};
    EXPECT_NEAR(bottom_right, c.white_top_left ? 0 : 255, 8) << int{c.orientation};
  }
  // A segment longer than the file, or no EXIF: read as stored.
  const std::string cut = with_orientation(6).substr(0, 20);
  EXPECT_EQ(exif_orientation(reinterpret_cast<const unsigned char*>(cut.data()), cut.size()), 1);
  EXPECT_EQ(exif_orientation(reinterpret_cast<const unsigned char*>(jpeg.data()), jpeg.size()), 1);
}

TEST(ImagePixels, FolderOfMixedColourAndSizeNeedsResize) {
  const std::filesystem::path dir = scratch_path("mixed_images");
  std::filesystem::create_directories(dir);
  write_file_atomic((dir / "a.png").string(), encode_png(flat(6, 4, {90}), 6, 4, 1));
  write_file_atomic((dir / "b.png").string(), encode_png(flat(6, 4, {0, 0, 255, 255}), 6, 4, 4));
  const RawData same_size = load_raw("images:" + dir.string(), "train");
  EXPECT_EQ(same_size.sample_shape, (std::vector<int64_t>{3, 4, 6}));  // one colour file: all RGB
  EXPECT_EQ(same_size.values[24 * 2], 90);                             // the grey file's blue plane
  EXPECT_EQ(same_size.values[72 + 24 * 2], 255);                       // the colour file's
  // A grey file after the colour one gets three planes too.
  write_file_atomic((dir / "b2.png").string(), encode_png(flat(6, 4, {40}), 6, 4, 1));
  const RawData grey_last = load_raw("images:" + dir.string(), "train");
  ASSERT_EQ(grey_last.values.size(), 3u * 72);
  EXPECT_EQ(grey_last.values[144 + 24 * 2 + 5], 40);
  std::filesystem::remove(dir / "b2.png");
  write_file_atomic((dir / "c.png").string(), encode_png(flat(5, 5, {30}), 5, 5, 1));
  EXPECT_NE(error_of([&] { load_raw("images:" + dir.string(), "train"); }).find("--resize"), std::string::npos);
  ImageLayout layout;
  layout.set_size("3x2");
  layout.color = ColorMode::gray;
  const RawData fitted = load_raw("images:" + dir.string(), "train", 0, layout);
  EXPECT_EQ(fitted.sample_shape, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(fitted.count(), 3);
  EXPECT_EQ(fitted.paths.size(), 3u);
  std::filesystem::remove_all(dir);
}

TEST(ImageLayout, JsonRoundTripAndFixedToAModelsInput) {
  ImageLayout layout;
  layout.set_size("64x32");
  layout.fit = Fit::pad;
  layout.set_background("#102030");
  const ImageLayout back = ImageLayout::from_json(layout.to_json());
  EXPECT_EQ(back.to_json(), layout.to_json());
  EXPECT_EQ(back.background[2], 0x30);
  const ImageLayout query = ImageLayout{}.for_input({3, 28, 20});
  EXPECT_EQ(query.color, ColorMode::rgb);
  EXPECT_EQ(query.width, 20);
  EXPECT_EQ(query.height, 28);
  nlohmann::json bad = layout.to_json();
  bad["width"] = 100000;
  EXPECT_THROW(ImageLayout::from_json(bad), Error);
}

}  // namespace
}  // namespace latent
