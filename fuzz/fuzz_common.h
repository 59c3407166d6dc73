#pragma once
// Shared by the libFuzzer harnesses: a reader must either return or throw latent::Error for
// any bytes. Any other exception escapes the harness and libFuzzer reports it as a crash, as
// do sanitizer reports and signals.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "latent/base/error.h"
#include "latent/io/container.h"

namespace latent_fuzz {

/// The readers that take a path read this per-process scratch file (on tmpfs when TMPDIR is).
inline std::string write_temp(const uint8_t* data, size_t size, const std::string& extension) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/latent_fuzz_" + std::to_string(getpid()) + extension;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

/// The container's CRC would turn almost every mutation into "checksum mismatch": harnesses for
/// what is inside a container fuzz the payload and wrap it in a valid envelope of `kind`.
inline std::string wrapped_temp(const uint8_t* data, size_t size, const std::string& kind) {
  std::string file = latent::pack_container(kind, std::string(reinterpret_cast<const char*>(data), size));
  return write_temp(reinterpret_cast<const uint8_t*>(file.data()), file.size(), "." + kind);
}

}  // namespace latent_fuzz

// Variadic: a body in braces may hold commas.
#define LATENT_FUZZ_GUARD(...)     \
  try {                            \
    __VA_ARGS__;                   \
  } catch (const latent::Error&) { \
  }                                \
  return 0
