// Replays the fuzz harnesses' inputs kept under tests/regressions/<harness>/ (inputs that once
// crashed a reader, and crafted ones) in the normal build: each must be read or refused with
// latent::Error. A crash or any other exception fails the test, as it would fail the fuzzer.
// Usage: replay_fuzz DIR
#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

// The harnesses, compiled here with their entry point renamed (tests/CMakeLists.txt).
#define LATENT_HARNESSES(X) \
  X(idx) X(csv) X(matrix) X(image) X(container) X(codec) X(index) X(request) X(head) X(model) X(checkpoint) X(detector)
#define DECLARE(name) extern "C" int fuzz_##name##_one(const uint8_t* data, size_t size);
LATENT_HARNESSES(DECLARE)

// ASan reserves terabytes of shadow address space: no cap there.
#if defined(__SANITIZE_ADDRESS__)
#define LATENT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LATENT_ASAN 1
#endif
#endif

// A field of /proc/self/status ("VmSize:", "VmPeak:"), in MiB.
static size_t status_mib(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string key;
  size_t kib = 0;
  while (status >> key)
    if (key == field) {
      status >> kib;
      break;
    }
  return kib / 1024;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: replay_fuzz DIR\n");
    return 2;
  }
#ifndef LATENT_ASAN
  // The fuzzers run with a 2 GB memory limit (scripts/fuzz.sh); here the address space is capped
  // at 1 GiB beyond what the libraries mapped at start, so a reader that allocates what an input
  // claims (gigabytes) fails even where the kernel would hand out untouched pages lazily.
  const size_t cap_mib = status_mib("VmSize:") + 1024;
  const rlimit cap{cap_mib << 20, cap_mib << 20};
  setrlimit(RLIMIT_AS, &cap);
#endif
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
  std::printf("%d inputs read or refused cleanly; peak address space %zu MiB\n", replayed, status_mib("VmPeak:"));
  return replayed > 0 ? 0 : 1;
}
