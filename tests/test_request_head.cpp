// The request-head checks of latent serve (request_head.h) and the PNG inflation bound.
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "latent/base/error.h"
#include "latent/io/png_inflation.h"
#include "latent/io/request_head.h"

namespace latent {
namespace {

HeadCheck check(std::string head, HeadLimits limits = {}) { return check_request_head(head, limits); }

TEST(RequestHead, CapsLinesHeadersAndDeclaredBodies) {
  EXPECT_EQ(check("GET / HTTP/1.1\r\nHost: a\r\n\r\n").status, 0);
  HeadLimits small;
  small.max_header_lines = 3;
  EXPECT_EQ(check("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", small).status, 431);
  EXPECT_EQ(check("GET / HTTP/1.1\r\nA: " + std::string(9000, 'a') + "\r\n\r\n").status, 431);
  EXPECT_EQ(check("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n").status, 414);
  EXPECT_EQ(check("POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n").status, 413);
  EXPECT_EQ(check("POST / HTTP/1.1\r\nContent-Length: 1048576\r\n\r\n").status, 0);
  EXPECT_EQ(check("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n").status, 400);
  EXPECT_EQ(check("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n").status, 400);
  EXPECT_EQ(check("POST / HTTP/1.1\r\nContent-Length: 7\r\n\r\n").content_length, 7u);
}

TEST(RequestHead, RefusesWhatIsNotARequestLine) {
  // The server answers these and closes: kept open, what follows a bad line was read as the next
  // request (a head of "Content-Length: 0" lines answered 400 in an endless loop).
  for (const char* bad : {"GARBAGE\r\n\r\n", "GET /\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", " / HTTP/1.1\r\n\r\n",
                          "GET / HTTP/1.1x\r\n\r\n", "Content-Length: 0\r\n\r\n"})
    EXPECT_EQ(check(bad).status, 400) << bad;
  EXPECT_EQ(check("GET /a%20b?x=1 HTTP/1.0\r\n\r\n").status, 0);
}

TEST(RequestHead, ARequestWithoutLengthOrChunksHasNoBody) {
  const HeadCheck bodiless = check("POST /api/generate HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(bodiless.status, 0);
  EXPECT_FALSE(bodiless.declares_length);
  EXPECT_FALSE(bodiless.chunked);
  EXPECT_TRUE(check("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").declares_length);
  // What the server hands httplib for it: a zero length, so nothing waits for a body.
  EXPECT_EQ(with_content_length("POST /api/generate HTTP/1.1\r\nHost: a\r\n\r\n", 0),
            "POST /api/generate HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
}

TEST(RequestHead, RefusesEncodingsAndOddFraming) {
  EXPECT_EQ(check("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\n\r\n").status, 415);
  EXPECT_EQ(check("POST / HTTP/1.1\r\nContent-Encoding: identity\r\n\r\n").status, 0);
  EXPECT_EQ(check("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").status, 501);
  EXPECT_EQ(check("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n").status, 400);
  HeadCheck chunked = check("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(chunked.status, 0);
  EXPECT_TRUE(chunked.chunked);
  EXPECT_TRUE(chunked.expects_continue);
  EXPECT_EQ(
      with_content_length("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nA: b\r\n\r\n", 12),
      "POST / HTTP/1.1\r\nA: b\r\nContent-Length: 12\r\n\r\n");
}

TEST(RequestHead, DropsRangesAndChecksTheHostOfALoopbackServer) {
  std::string head = "GET / HTTP/1.1\r\nRange: bytes=0-1,2-3\r\nIf-Range: x\r\nHost: 127.0.0.1:80\r\n\r\n";
  HeadLimits loopback;
  loopback.loopback_hosts_only = true;
  EXPECT_EQ(check_request_head(head, loopback).status, 0);
  EXPECT_EQ(head, "GET / HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n");
  EXPECT_EQ(check("GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n", loopback).status, 403);
  EXPECT_EQ(check("GET / HTTP/1.1\r\nHost: 127.evil.com:80\r\n\r\n", loopback).status, 403);
  EXPECT_EQ(check("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", loopback).status, 0);
  EXPECT_EQ(check("GET / HTTP/1.1\r\nHost: LocalHost\r\n\r\n", loopback).status, 0);
  EXPECT_EQ(check("GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n").status, 0);  // not a loopback server
  EXPECT_TRUE(is_loopback_host("127.255.0.1"));
  EXPECT_FALSE(is_loopback_host("127.0.0.1.evil.com"));
  EXPECT_FALSE(is_loopback_host("128.0.0.1"));
  EXPECT_EQ(host_name("[::1]:8080"), "::1");
  EXPECT_EQ(host_name(" localhost:80 "), "localhost");
}

TEST(RequestHead, ChunkSizesAndTokens) {
  EXPECT_EQ(parse_chunk_size("1a3f"), 0x1a3fu);
  EXPECT_EQ(parse_chunk_size("10;name=value"), 16u);
  EXPECT_FALSE(parse_chunk_size("zz").has_value());
  EXPECT_FALSE(parse_chunk_size("").has_value());
  EXPECT_FALSE(parse_chunk_size("11111111111111111").has_value());  // 17 hex digits
  EXPECT_TRUE(constant_time_equal("Bearer abc", "Bearer abc"));
  EXPECT_FALSE(constant_time_equal("Bearer abc", "Bearer abd"));
  EXPECT_FALSE(constant_time_equal("Bearer ab", "Bearer abc"));
  EXPECT_FALSE(constant_time_equal("", "x"));
}

/// A grey 28x28 PNG whose pixel data inflates to `inflated` bytes (CRCs are not checked here).
std::vector<unsigned char> png_with_idat(size_t inflated) {
  std::vector<unsigned char> raw(inflated, 0);
  uLongf packed_size = compressBound(raw.size());
  std::vector<unsigned char> packed(packed_size);
  compress2(packed.data(), &packed_size, raw.data(), raw.size(), 9);
  std::vector<unsigned char> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  auto chunk = [&](const char* kind, const std::vector<unsigned char>& data) {
    for (int shift = 24; shift >= 0; shift -= 8) png.push_back(static_cast<unsigned char>(data.size() >> shift));
    png.insert(png.end(), kind, kind + 4);
    png.insert(png.end(), data.begin(), data.end());
    png.insert(png.end(), 4, 0);
  };
  chunk("IHDR", {0, 0, 0, 28, 0, 0, 0, 28, 8, 0, 0, 0, 0});
  chunk("IDAT", std::vector<unsigned char>(packed.begin(), packed.begin() + static_cast<long>(packed_size)));
  chunk("IEND", {});
  return png;
}

TEST(PngInflation, RefusesPixelDataBeyondTheHeader) {
  const std::vector<unsigned char> fits = png_with_idat(28 * 29);
  EXPECT_NO_THROW(check_png_inflation(fits.data(), fits.size(), "fits.png"));
  const std::vector<unsigned char> bomb = png_with_idat(size_t{64} << 20);
  EXPECT_LT(bomb.size(), size_t{100} << 10);
  try {
    check_png_inflation(bomb.data(), bomb.size(), "bomb.png");
    FAIL() << "a 28x28 PNG inflating to 64 MB was taken";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bomb.png: the PNG's pixel data inflates beyond"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace latent
