// Resource limits: files whose headers claim absurd sizes are refused with a clear
// latent::Error before anything of that size is allocated. Each case runs in a child process
// whose peak resident memory is measured (wait4), so an allocation that happened to succeed
// would still fail the test.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "latent/base/error.h"
#include "latent/io/codec.h"
#include "latent/io/container.h"
#include "latent/io/matrix_file.h"
#include "latent/io/raw_data.h"
#include "latent/search/code_index.h"
#include "scratch_path.h"

namespace latent {
namespace {

using testing::scratch_path;

void write_bytes(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

/// Runs reader() in a child; expects a latent::Error containing `fragment`, with the child's peak
/// resident memory growing by less than 100 MB over what it inherited.
void expect_refused_small(const std::function<void()>& reader, const std::string& fragment) {
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(pipe_fds[0]);
    std::string message = "no error";
    try {
      reader();
    } catch (const Error& e) {
      message = std::string("Error: ") + e.what();
    } catch (const std::exception& e) {
      message = std::string("other exception: ") + e.what();
    }
    ssize_t ignored = write(pipe_fds[1], message.data(), message.size());
    (void)ignored;
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string message;
  char buffer[512];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) message.append(buffer, static_cast<size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  struct rusage usage {};
  ASSERT_EQ(wait4(pid, &status, 0, &usage), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the reader crashed (signal " << WTERMSIG(status) << ")";
  EXPECT_EQ(message.rfind("Error: ", 0), 0u) << message;
  EXPECT_NE(message.find(fragment), std::string::npos) << message;
  struct rusage self {};
  getrusage(RUSAGE_SELF, &self);
  // ru_maxrss is in KiB; the child starts with the parent's resident pages.
  EXPECT_LT(usage.ru_maxrss - self.ru_maxrss, 100 * 1024) << "peak " << usage.ru_maxrss << " KiB";
}

TEST(Limits, IdxHeaderClaimingTrillionsOfElementsRawAndGzip) {
  // 10^6 images of 1000 x 1000 pixels: 10^12 bytes promised by a 16-byte header.
  std::string header = std::string{0, 0, 8, 3} + be32(1000000) + be32(1000) + be32(1000);
  std::string raw = scratch_path("huge.idx"), gz = scratch_path("huge.idx.gz");
  write_bytes(raw, header);
  gzFile f = gzopen(gz.c_str(), "wb");
  gzwrite(f, header.data(), static_cast<unsigned>(header.size()));
  gzclose(f);
  expect_refused_small([&] { read_idx(raw); }, "more elements than latent reads");
  expect_refused_small([&] { read_idx(gz); }, "more elements than latent reads");
  std::filesystem::remove(raw);
  std::filesystem::remove(gz);
}

TEST(Limits, NpyHeaderClaimingTrillionsOfRows) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 784), }\n";
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size()) + '\0' + header + "0123";
  std::string path = scratch_path("huge.npy");
  write_bytes(path, bytes);
  expect_refused_small([&] { read_matrix(path); }, "does not match its shape");
  std::filesystem::remove(path);
}

std::string png_header(uint32_t width, uint32_t height) {
  std::string ihdr = "IHDR" + be32(width) + be32(height) + std::string{8, 0, 0, 0, 0};
  uint32_t crc =
      static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(ihdr.data()), static_cast<uInt>(ihdr.size())));
  return std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + ihdr + be32(crc);
}

TEST(Limits, PngAndJpegClaimingHundredThousandPixelsSquare) {
  std::string png = scratch_path("huge.png");
  write_bytes(png, png_header(100000, 100000));
  expect_refused_small([&] { read_image_file(png); }, "100000x100000 pixels is more than latent reads");
  std::filesystem::remove(png);
  // JPEG sizes are 16-bit: the largest a JPEG header can claim, 65535 x 65535.
  std::string sof = std::string("\xFF\xD8\xFF\xC0\x00\x0B\x08\xFF\xFF\xFF\xFF\x01\x01\x11\x00", 15);
  std::string jpg = scratch_path("huge.jpg");
  write_bytes(jpg, sof);
  expect_refused_small([&] { read_image_file(jpg); }, "65535x65535 pixels is more than latent reads");
  std::filesystem::remove(jpg);
}

TEST(Limits, CompressedHeaderClaimingTrillionsOfCodes) {
  // A valid header and a zstd frame whose header claims 10^12 bytes of content.
  nlohmann::json header = {
      {"format", 1}, {"model", "0123456789abcdef"}, {"count", 250000000000}, {"dims", 4}, {"shape", {784}},
      {"bits", 8},   {"lo", {0, 0, 0, 0}},          {"hi", {1, 1, 1, 1}}};
  std::string text = header.dump();
  std::string payload;
  for (int i = 0; i < 4; ++i) payload.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xff));
  payload += text;
  // zstd frame header: magic, descriptor (8-byte content size, single segment), the size.
  payload += std::string("\x28\xB5\x2F\xFD\xE0", 5);
  uint64_t claimed = 1000000000000ull;
  for (int i = 0; i < 8; ++i) payload.push_back(static_cast<char>((claimed >> (8 * i)) & 0xff));
  std::string path = scratch_path("huge.ltc");
  write_bytes(path, pack_container("compressed", payload));
  expect_refused_small([&] { read_compressed(path); }, "damaged compressed file");
  // count x dims overflowing 64 bits must not wrap around to a small size.
  header["count"] = int64_t{1} << 62;
  text = header.dump();
  payload.clear();
  for (int i = 0; i < 4; ++i) payload.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xff));
  payload += text + std::string("\x28\xB5\x2F\xFD\x20\x00\x01\x00\x00", 9);
  write_bytes(path, pack_container("compressed", payload));
  expect_refused_small([&] { read_compressed(path); }, "damaged compressed file");
  std::filesystem::remove(path);
}

/// `prefix` then `zeros` zero bytes, gzipped (at -9 zeros shrink about 1000 times).
void write_gzip_bomb(const std::string& path, const std::string& prefix, size_t zeros) {
  gzFile f = gzopen(path.c_str(), "wb9");
  gzwrite(f, prefix.data(), static_cast<unsigned>(prefix.size()));
  std::string block(size_t{1} << 20, '\0');
  for (size_t done = 0; done < zeros; done += block.size())
    gzwrite(f, block.data(), static_cast<unsigned>(block.size()));
  gzclose(f);
}

TEST(Limits, GzipBombsAreRefusedBeforeTheyInflate) {
  // 128 MiB of zeros in about 128 KB of gzip: refused from its first bytes (no latent magic) or
  // once it inflates past its ratio bound, never inflated whole.
  std::string path = scratch_path("bomb.model");
  write_gzip_bomb(path, "", size_t{128} << 20);
  expect_refused_small([&] { read_container(path, "model"); }, path + ": not a latent file");
  write_gzip_bomb(path, "LATENT\r\n", size_t{128} << 20);
  expect_refused_small([&] { read_container(path, "model"); }, "times its size");
  std::string idx = scratch_path("bomb.idx.gz");
  write_gzip_bomb(idx, std::string{0, 0, 8, 1} + be32(size_t{128} << 20), size_t{128} << 20);
  expect_refused_small([&] { read_idx(idx); }, "times its size");
  std::filesystem::remove(path);
  std::filesystem::remove(idx);
}

TEST(Limits, NpyHeaderIsParsedWithoutRegexAndCapped) {
  auto npy = [](const std::string& header, const std::string& data) {
    std::string bytes = std::string("\x93NUMPY\x02\x00", 8);
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
    return bytes + header + data;
  };
  std::string path = scratch_path("long.npy");
  // A 2 MB run of spaces inside the header overflowed the stack of std::regex's matcher.
  write_bytes(path, npy("{'descr':" + std::string(size_t{2} << 20, ' ') + "'<f4', 'shape': (1,), }\n", "0123"));
  expect_refused_small([&] { read_matrix(path); }, path + ": .npy header longer than");
  // What numpy writes still parses: 1-D and 2-D, float32 and float64, keys in any order.
  float one = 1.5f;
  double two[2] = {2.5, -3};
  write_bytes(path, npy("{'shape': (1,), 'fortran_order': False, 'descr': '<f4'}",
                        std::string(reinterpret_cast<const char*>(&one), 4)));
  Matrix m = read_matrix(path);
  EXPECT_EQ(m.rows, 1);
  EXPECT_EQ(m.cols, 1);
  EXPECT_EQ(m.values, std::vector<float>{1.5f});
  write_bytes(path, npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }",
                        std::string(reinterpret_cast<const char*>(two), 16)));
  m = read_matrix(path);
  EXPECT_EQ(m.cols, 2);
  EXPECT_EQ(m.values, (std::vector<float>{2.5f, -3.0f}));
  for (std::string bad :
       {"{'descr': '>f4', 'shape': (1,), }", "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }",
        "{'descr': '<f4', 'shape': (1, 1, 1), }", "{'descr': '<f4', 'shape': (x,), }"}) {
    write_bytes(path, npy(bad, "0123"));
    EXPECT_THROW(read_matrix(path), Error) << bad;
  }
  std::filesystem::remove(path);
}

TEST(Limits, CompressedFileClaimingMoreCodesThanItsSizeHolds) {
  // A valid header and a valid zstd frame of 8 M zero levels: a few hundred bytes claiming 8 M
  // codes, more than real codes compress (latent does not write such a file), refused before decoding.
  int64_t count = int64_t{1} << 23;
  nlohmann::json header = {{"format", 1},    {"model", "0123456789abcdef"},
                           {"count", count}, {"dims", 1},
                           {"shape", {784}}, {"bits", 8},
                           {"lo", {0}},      {"hi", {1}}};
  std::string text = header.dump(), zeros(static_cast<size_t>(count), '\0');
  std::string frame(ZSTD_compressBound(zeros.size()), '\0');
  frame.resize(ZSTD_compress(frame.data(), frame.size(), zeros.data(), zeros.size(), 19));
  std::string payload;
  for (int i = 0; i < 4; ++i) payload.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xff));
  std::string path = scratch_path("constant.ltc");
  write_bytes(path, pack_container("compressed", payload + text + frame));
  expect_refused_small([&] { read_compressed(path); }, path + ": damaged compressed file (count 8388608");
  std::filesystem::remove(path);
  CompressedCodes constant;
  constant.count = count;
  constant.quantizer.lo = {0};
  constant.quantizer.hi = {1};
  constant.levels.assign(zeros.size(), 0);
  EXPECT_THROW(pack_compressed(constant), Error);
}

}  // namespace
}  // namespace latent

namespace latent {
namespace {

// The FAISS bytes inside an index file: after the u64 header length and the JSON header.
size_t faiss_offset(const std::string& payload) {
  uint64_t header_size;
  std::memcpy(&header_size, payload.data(), 8);
  return 8 + header_size;
}

std::string saved_index_payload(bool hnsw, const std::string& path) {
  std::vector<float> codes(40 * 4);
  for (size_t i = 0; i < codes.size(); ++i) codes[i] = static_cast<float>((i * 37) % 11);
  CodeIndex::build(codes, 4, IndexInfo{}, hnsw).save(path);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return unpack_container(bytes, "index", path);
}

TEST(Limits, IndexClaimingTrillionsOfCodes) {
  std::string path = scratch_path("huge.index");
  std::string payload = saved_index_payload(false, path);
  // IxF2, d, ntotal, two unused words, is_trained, metric: then the float count of the codes.
  size_t at = faiss_offset(payload) + 4 + 4 + 8 + 8 + 8 + 1 + 4;
  uint64_t claimed = uint64_t{1} << 39;  // faiss would resize to 2 TiB before reading
  std::memcpy(&payload[at], &claimed, 8);
  write_bytes(path, pack_container("index", payload));
  expect_refused_small([&] { CodeIndex::load(path); }, "a stored size exceeds the file");
  std::filesystem::remove(path);
}

TEST(Limits, HnswGraphPointingOutsideTheIndex) {
  std::string path = scratch_path("graph.index");
  std::string payload = saved_index_payload(true, path);
  size_t at = faiss_offset(payload) + 4 + 4 + 8 + 8 + 8 + 1 + 4;
  auto skip_vector = [&](size_t element) {
    uint64_t n;
    std::memcpy(&n, &payload[at], 8);
    at += 8 + n * element;
  };
  skip_vector(8);  // assign_probas
  skip_vector(4);  // cum_nneighbor_per_level
  skip_vector(4);  // levels
  skip_vector(8);  // offsets
  int32_t outside = 1000000;
  std::memcpy(&payload[at + 8], &outside, 4);  // node 0's first neighbour
  write_bytes(path, pack_container("index", payload));
  expect_refused_small(
      [&] {
        CodeIndex index = CodeIndex::load(path);
        std::vector<float> query(4, 0.5f);
        index.search(query.data(), 1, 3);
      },
      "a neighbour outside the graph");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace latent
