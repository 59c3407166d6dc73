// Resource limits: files whose headers claim absurd sizes are refused with a clear
// latent::Error before anything of that size is allocated. Each case runs in a child process
// whose peak resident memory is measured (wait4), so an allocation that happened to succeed
// would still fail the test.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

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
