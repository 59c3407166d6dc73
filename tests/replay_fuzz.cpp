// Runs the fuzz harnesses in the normal build (no libFuzzer, no sanitizers): each input must be
// read or refused with latent::Error; a crash or any other exception fails, as it would fail the
// fuzzer.
//   replay_fuzz DIR: the inputs kept under DIR/<harness>/ (tests/regressions: inputs that once
//     crashed a reader, and crafted ones).
//   replay_fuzz --mutate SECONDS SEEDS HARNESS...: random mutations of SEEDS/<harness>/* for
//     SECONDS in all (blind, without coverage feedback: this is how CI fuzzes the torch readers,
//     whose clang ASan build would not fit in its time). An input that crashes is written to
//     ./crash-<harness> before the process dies.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

// The harnesses, compiled here with their entry point renamed (tests/CMakeLists.txt).
// clang-format off
#define LATENT_HARNESSES(X) \
  X(idx) X(csv) X(matrix) X(image) X(container) X(codec) X(index) X(request) X(head) \
  X(model) X(checkpoint) X(detector) X(classifier) X(decompress)
// clang-format on
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

namespace {

using Harness = int (*)(const uint8_t*, size_t);
#define ENTRY(name) {#name, fuzz_##name##_one},
const std::map<std::string, Harness> kHarnesses = {LATENT_HARNESSES(ENTRY)};

std::vector<uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int replay(const std::filesystem::path& root) {
  int replayed = 0;
  for (const auto& dir : std::filesystem::directory_iterator(root)) {
    auto harness = kHarnesses.find(dir.path().filename().string());
    if (!dir.is_directory() || harness == kHarnesses.end()) {
      std::fprintf(stderr, "%s: not a harness name\n", dir.path().c_str());
      return 1;
    }
    for (const auto& file : std::filesystem::directory_iterator(dir.path())) {
      std::vector<uint8_t> bytes = read_file(file.path());
      std::printf("%s %s\n", harness->first.c_str(), file.path().filename().c_str());
      std::fflush(stdout);
      harness->second(bytes.data(), bytes.size());
      ++replayed;
    }
  }
  std::printf("%d inputs read or refused cleanly; peak address space %zu MiB\n", replayed, status_mib("VmPeak:"));
  return replayed > 0 ? 0 : 1;
}

// The input being run, saved by the handlers below when it kills the process.
const std::vector<uint8_t>* current_input = nullptr;
char crash_path[256] = "crash";

void save_current_input() {
  if (!current_input) return;
  int fd = open(crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  ssize_t written = write(fd, current_input->data(), current_input->size());
  (void)written;
  close(fd);
}

extern "C" void on_fatal_signal(int sig) {
  save_current_input();
  const char message[] = "replay_fuzz: fatal signal; the input is in the crash file\n";
  ssize_t written = write(2, message, sizeof message - 1);
  (void)written;
  signal(sig, SIG_DFL);
  raise(sig);
}

// One to four of libFuzzer's simplest moves: flip a bit, set a byte or a 32-bit field to an
// edge value, erase or duplicate a stretch, cut the tail.
void mutate(std::vector<uint8_t>& bytes, std::mt19937_64& rng) {
  static const uint32_t kEdges[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0x100000};
  const int moves = 1 + static_cast<int>(rng() % 4);
  for (int m = 0; m < moves; ++m) {
    if (bytes.empty()) bytes.push_back(0);
    const size_t at = rng() % bytes.size();
    const size_t span = 1 + rng() % std::min<size_t>(bytes.size() - at, 64);
    switch (rng() % 6) {
      case 0:
        bytes[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:
        bytes[at] = static_cast<uint8_t>(kEdges[rng() % 5]);
        break;
      case 2: {
        const uint32_t edge = kEdges[rng() % std::size(kEdges)];
        for (size_t i = 0; i < 4 && at + i < bytes.size(); ++i) bytes[at + i] = static_cast<uint8_t>(edge >> (8 * i));
        break;
      }
      case 3:
        bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                    bytes.begin() + static_cast<std::ptrdiff_t>(at + span));
        break;
      case 4: {
        std::vector<uint8_t> stretch(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                                     bytes.begin() + static_cast<std::ptrdiff_t>(at + span));
        bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(rng() % bytes.size()), stretch.begin(), stretch.end());
        break;
      }
      default:
        bytes.resize(at);
        break;
    }
  }
}

int mutate_seeds(double seconds, const std::filesystem::path& seeds, const std::vector<std::string>& names) {
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) signal(sig, on_fatal_signal);
  std::set_terminate([] {  // an exception other than latent::Error left a harness
    save_current_input();
    std::string what = "unknown";
    try {
      if (auto e = std::current_exception()) std::rethrow_exception(e);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    std::fprintf(stderr, "replay_fuzz: an exception other than latent::Error (%s); the input is in %s\n",
                 what.substr(0, 300).c_str(), crash_path);
    std::_Exit(1);
  });
  std::mt19937_64 rng(20261205);
  const auto per_harness = std::chrono::duration<double>(seconds / static_cast<double>(names.size()));
  for (const std::string& name : names) {
    auto harness = kHarnesses.find(name);
    if (harness == kHarnesses.end()) {
      std::fprintf(stderr, "%s: not a harness name\n", name.c_str());
      return 2;
    }
    std::vector<std::vector<uint8_t>> corpus;
    if (std::filesystem::is_directory(seeds / name))
      for (const auto& file : std::filesystem::directory_iterator(seeds / name))
        corpus.push_back(read_file(file.path()));
    if (corpus.empty()) {
      std::fprintf(stderr, "%s: no seeds in %s\n", name.c_str(), (seeds / name).c_str());
      return 1;
    }
    std::snprintf(crash_path, sizeof crash_path, "crash-%s", name.c_str());
    const auto end = std::chrono::steady_clock::now() + per_harness;
    long runs = 0;
    for (; std::chrono::steady_clock::now() < end; ++runs) {
      std::vector<uint8_t> input = corpus[rng() % corpus.size()];
      mutate(input, rng);
      current_input = &input;
      harness->second(input.data(), input.size());
      current_input = nullptr;
    }
    std::printf("%-11s %8ld mutated inputs read or refused cleanly\n", name.c_str(), runs);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool mutating = argc >= 5 && std::string(argv[1]) == "--mutate";
  if (argc != 2 && !mutating) {
    std::fprintf(stderr, "usage: replay_fuzz DIR | replay_fuzz --mutate SECONDS SEEDS HARNESS...\n");
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
  if (!mutating) return replay(argv[1]);
  return mutate_seeds(std::stod(argv[2]), argv[3], std::vector<std::string>(argv + 4, argv + argc));
}
