// Replays the fuzz harnesses' inputs kept under tests/regressions/<harness>/ (inputs that once
// crashed a reader, and crafted ones) in the normal build: each must be read or refused with
// latent::Error. A crash or any other exception fails the test, as it would fail the fuzzer.
// Usage: replay_fuzz DIR
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

// The harnesses, compiled here with their entry point renamed (tests/CMakeLists.txt).
#define LATENT_HARNESSES(X) X(idx) X(csv) X(matrix) X(image) X(container) X(codec) X(index) X(request) X(model) X(checkpoint) X(detector)
#define DECLARE(name) extern "C" int fuzz_##name##_one(const uint8_t* data, size_t size);
LATENT_HARNESSES(DECLARE)

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: replay_fuzz DIR\n");
    return 2;
  }
  using Harness = int (*)(const uint8_t*, size_t);
#define ENTRY(name) {#name, fuzz_##name##_one},
  const std::map<std::string, Harness> harnesses = {LATENT_HARNESSES(ENTRY)};
  int replayed = 0;
  for (const auto& dir : std::filesystem::directory_iterator(argv[1])) {
    auto harness = harnesses.find(dir.path().filename().string());
    if (!dir.is_directory() || harness == harnesses.end()) {
      std::fprintf(stderr, "%s: not a harness name\n", dir.path().c_str());
      return 1;
    }
    for (const auto& file : std::filesystem::directory_iterator(dir.path())) {
      std::ifstream in(file.path(), std::ios::binary);
      std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::printf("%s %s\n", harness->first.c_str(), file.path().filename().c_str());
      std::fflush(stdout);
      harness->second(bytes.data(), bytes.size());
      ++replayed;
    }
  }
  std::printf("%d inputs read or refused cleanly\n", replayed);
  return replayed > 0 ? 0 : 1;
}
