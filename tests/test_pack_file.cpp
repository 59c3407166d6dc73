// Packs: rows read back as written, in any order, from several threads, and a pack cut short
// after it was opened is an error naming it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <numeric>
#include <random>
#include <thread>

#include "latent/base/error.h"
#include "latent/io/pack_file.h"
#include "scratch_path.h"

namespace latent {
namespace {

constexpr int64_t kRows = 1000, kSide = 5;

// Row r's pixel p is (r * 7 + p) % 256: every row differs from its neighbours.
unsigned char pixel(int64_t row, int64_t p) { return static_cast<unsigned char>((row * 7 + p) % 256); }

std::string write_pack(const std::string& name) {
  const std::string path = testing::scratch_path(name);
  RawData raw;
  raw.is_image = true;
  raw.sample_shape = {1, kSide, kSide};
  for (int64_t r = 0; r < kRows; ++r) {
    for (int64_t p = 0; p < kSide * kSide; ++p) raw.values.push_back(pixel(r, p));
    raw.labels.push_back(r % 10);
  }
  PackWriter writer(path, "test");
  writer.add(raw);
  writer.commit();
  return path;
}

// The rows in a shuffled order with runs of neighbours in it, more of them than one ring takes.
std::vector<int64_t> some_rows(uint64_t seed) {
  std::vector<int64_t> rows(kRows);
  std::iota(rows.begin(), rows.end(), 0);
  std::shuffle(rows.begin(), rows.end(), std::mt19937_64(seed));
  rows.resize(600);
  for (int64_t r = 100; r < 140; ++r) rows.push_back(r);
  return rows;
}

void expect_rows(const PackFile& pack, const std::vector<int64_t>& rows) {
  const int64_t width = kSide * kSide, n = static_cast<int64_t>(rows.size());
  std::vector<unsigned char> bytes(static_cast<size_t>(n * width), 0);
  pack.read_rows(rows.data(), n, bytes.data());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t p = 0; p < width; ++p) ASSERT_EQ(bytes[static_cast<size_t>(i * width + p)], pixel(rows[i], p)) << i;
}

TEST(PackFile, ReadsRowsInAnyOrderFromSeveralThreads) {
  const std::string path = write_pack("rows.lpk");
  {
    PackFile pack(path);
    ASSERT_EQ(pack.count(), kRows);
    expect_rows(pack, some_rows(1));
    std::thread other([&] { expect_rows(pack, some_rows(2)); });
    expect_rows(pack, some_rows(3));
    other.join();
    const RawData some = pack.read({999, 3, 4, 5, 0});
    EXPECT_EQ(some.labels, (std::vector<int64_t>{9, 3, 4, 5, 0}));
    EXPECT_EQ(some.values[0], pixel(999, 0));
  }
  std::filesystem::remove(path);
}

TEST(PackFile, ACutPackIsAnErrorNamingIt) {
  const std::string path = write_pack("cut.lpk");
  PackFile pack(path);
  ASSERT_EQ(truncate(path.c_str(), 64 + 500 * kSide * kSide), 0);  // rows 500.. are gone
  std::vector<int64_t> rows = some_rows(4);
  std::vector<unsigned char> bytes(rows.size() * kSide * kSide);
  try {
    pack.read_rows(rows.data(), static_cast<int64_t>(rows.size()), bytes.data());
    FAIL() << "read rows past the end";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": shorter than when it was opened"), std::string::npos) << e.what();
  }
  expect_rows(pack, {0, 1, 2, 499, 250});  // the ring still reads after a failure
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace latent
