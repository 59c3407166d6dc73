// The server's request parsing (no server, no torch): good bodies, and every kind of bad one
// refused with the right status before anything large is allocated.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "latent/io/image_grid.h"
#include "latent/io/serve_request.h"

namespace latent {
namespace {

const InputShape kMnist{{1, 28, 28}, true, ImageLayout{}.for_input({1, 28, 28})};

std::string pixels_json(size_t n, const std::string& value = "7") {
  std::string s = "{\"pixels\":[";
  for (size_t i = 0; i < n; ++i) s += (i ? "," : "") + value;
  return s + "]}";
}

int status_of(const std::string& body, const std::string& type = "application/json", const InputShape& shape = kMnist,
              size_t max_body = kMaxRequestBody) {
  try {
    parse_input_body(body, type, shape, true, max_body);
  } catch (const RequestError& e) {
    EXPECT_FALSE(std::string(e.what()).empty());
    return e.status;
  }
  return 200;
}

std::string code_of(const std::string& body, const std::string& type = "application/json") {
  try {
    parse_input_body(body, type, kMnist);
  } catch (const RequestError& e) {
    return e.code;
  }
  return "ok";
}

TEST(ServeRequest, JsonPixelsInRawUnits) {
  std::vector<float> v = parse_input_body(pixels_json(784, "12.5"), "application/json", kMnist);
  ASSERT_EQ(v.size(), 784u);
  EXPECT_FLOAT_EQ(v[0], 12.5f);
  EXPECT_FLOAT_EQ(v[783], 12.5f);
  // No content type: recognised by its first character; whitespace around is fine.
  EXPECT_EQ(parse_input_body("  \n" + pixels_json(784, "255") + "\n", "", kMnist).size(), 784u);
}

TEST(ServeRequest, BadJsonIsRefusedWithA400) {
  EXPECT_EQ(code_of(pixels_json(783)), "wrong_size");
  EXPECT_EQ(code_of(pixels_json(785)), "bad_json");
  EXPECT_EQ(code_of("{\"pixels\":[1,2"), "bad_json");
  EXPECT_EQ(code_of("{\"pixels\":[NaN]}"), "bad_json");
  EXPECT_EQ(code_of(pixels_json(784, "1e999")), "bad_json");  // overflows to infinity
  EXPECT_EQ(code_of(pixels_json(784, "-1")), "bad_json");
  EXPECT_EQ(code_of(pixels_json(784, "256")), "bad_json");
  EXPECT_EQ(code_of(pixels_json(784, "\"7\"")), "bad_json");
  EXPECT_EQ(code_of(pixels_json(784, "null")), "bad_json");
  EXPECT_EQ(code_of(pixels_json(784, "[1]")), "bad_json");
  EXPECT_EQ(code_of("{\"pixels\":{\"a\":1}}"), "bad_json");
  EXPECT_EQ(code_of("{\"pixel\":[1]}"), "bad_json");
  EXPECT_EQ(code_of("[1,2,3]"), "bad_json");
  EXPECT_EQ(code_of("{}"), "missing_pixels");
  EXPECT_EQ(code_of("{\"pixels\":[],\"pixels\":[]}"), "bad_json");
  EXPECT_EQ(code_of(""), "empty_body");
  EXPECT_EQ(code_of("hello", "text/plain"), "unsupported_type");
  EXPECT_EQ(status_of("hello", "text/plain"), 415);
  // Deep nesting stops at the first level it does not expect, not at a stack limit.
  EXPECT_EQ(code_of("{\"pixels\":" + std::string(100000, '[')), "bad_json");
}

TEST(ServeRequest, TableModelsTakeAnyFiniteValue) {
  InputShape table{{3}, false, {}};
  EXPECT_EQ(parse_input_body("{\"pixels\":[-5,0.5,1e6]}", "application/json", table).size(), 3u);
  EXPECT_EQ(status_of(encode_png(std::vector<unsigned char>(4, 0), 2, 2), "image/png", table), 400);
}

TEST(ServeRequest, OptionalInputMayBeAbsent) {
  EXPECT_TRUE(parse_input_body("", "", kMnist, false).empty());
  EXPECT_TRUE(parse_input_body("{}", "application/json", kMnist, false).empty());
  EXPECT_EQ(parse_input_body(pixels_json(784), "application/json", kMnist, false).size(), 784u);
}

TEST(ServeRequest, HugeArrayIsRefusedAtTheFirstValueTooMany) {
  // 10^8 values would take 400 MB as floats; with the body limit lifted the reader still stops
  // after value 785 and the output never grows past the model's size.
  std::string body = pixels_json(2'000'000, "0");
  EXPECT_EQ(status_of(body, "application/json", kMnist, body.size()), 400);
  EXPECT_EQ(status_of(body), 413);  // and under the default 1 MiB limit it is refused unread
}

TEST(ServeRequest, PngOfTheModelsSize) {
  std::vector<unsigned char> gray(784);
  for (size_t i = 0; i < gray.size(); ++i) gray[i] = static_cast<unsigned char>(i % 256);
  std::string png = encode_png(gray, 28, 28);
  for (const std::string type : {"image/png", "", "application/octet-stream"}) {
    std::vector<float> v = parse_input_body(png, type, kMnist);
    ASSERT_EQ(v.size(), 784u);
    EXPECT_FLOAT_EQ(v[300], 300 % 256);
  }
  // Any size and colour: fitted to the model's 28x28 grey (a flat 40x30 stays flat).
  std::vector<unsigned char> rgb(40 * 30 * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = i % 3 == 0 ? 200 : 100;
  std::vector<float> fitted = parse_input_body(encode_png(rgb, 40, 30, 3), "image/png", kMnist);
  ASSERT_EQ(fitted.size(), 784u);
  EXPECT_NEAR(fitted[400], 0.299 * 200 + 0.587 * 100 + 0.114 * 100, 1e-3);
  const InputShape colour{{3, 8, 8}, true, ImageLayout{}.for_input({3, 8, 8})};
  std::vector<float> planes = parse_input_body(encode_png(rgb, 40, 30, 3), "image/png", colour);
  ASSERT_EQ(planes.size(), 192u);
  EXPECT_FLOAT_EQ(planes[0], 200);
  EXPECT_FLOAT_EQ(planes[64], 100);
  EXPECT_EQ(code_of(png.substr(0, png.size() / 2), "image/png"), "bad_image");
  EXPECT_EQ(code_of("\x89PNG\r\n\x1a\nxxxx", "image/png"), "bad_image");
}

TEST(ServeRequest, HugePngIsRefusedFromItsHeader) {
  // IHDR width and height sit at bytes 16..23 (big-endian); stb does not check the CRC.
  auto claiming = [](uint32_t side) {
    std::string png = encode_png(std::vector<unsigned char>(784), 28, 28);
    for (int i = 0; i < 2; ++i)
      for (int b = 0; b < 4; ++b) png[16 + 4 * i + b] = static_cast<char>(side >> (24 - 8 * b));
    return png;
  };
  // 20,000 x 20,000 passes stb's own limit: our size check refuses it before decoding.
  EXPECT_EQ(code_of(claiming(20000), "image/png"), "bad_image");
  try {
    parse_input_body(claiming(20000), "image/png", kMnist);
    ADD_FAILURE() << "a 20000x20000 PNG was taken";
  } catch (const RequestError& e) {
    EXPECT_NE(std::string(e.what()).find("pixels is more than"), std::string::npos) << e.what();
  }
  // 100,000 x 100,000 (10^10 pixels) stb itself refuses from the header.
  EXPECT_EQ(code_of(claiming(100000), "image/png"), "bad_image");
}

TEST(ServeRequest, Parameters) {
  EXPECT_EQ(parse_int_param("k", "", 1, 100, 10), 10);
  EXPECT_EQ(parse_int_param("k", "5", 1, 100, 10), 5);
  for (const char* bad : {"0", "101", "5x", "-1", "99999999999999999999", " 5"})
    EXPECT_THROW(parse_int_param("k", bad, 1, 100, 10), RequestError) << bad;
  EXPECT_DOUBLE_EQ(parse_double_param("spread", "0.5", 0, 10, 1), 0.5);
  for (const char* bad : {"nan", "inf", "11", "-0.1", "1e999", "x"})
    EXPECT_THROW(parse_double_param("spread", bad, 0, 10, 1), RequestError) << bad;
}

TEST(ServeRequest, Base64) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

}  // namespace
}  // namespace latent
