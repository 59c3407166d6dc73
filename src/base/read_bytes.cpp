#include "latent/base/read_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "latent/base/error.h"

namespace latent {

std::vector<unsigned char> read_bytes(const std::string& path, const ReadLimits& limits) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) {
    if (fd >= 0) close(fd);
    throw Error("cannot open " + path + ": " + std::strerror(errno));
  }
  gzFile file = gzdopen(fd, "rb");  // owns fd from here
  if (!file) {
    close(fd);
    throw Error("cannot open " + path);
  }
  // The ratio needs a size on disk: a pipe has none (and is the user's own doing, not a file).
  const size_t on_disk = S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) : 0;
  const size_t ratio_cap = S_ISREG(st.st_mode) ? std::max(kInflateFloor, on_disk * limits.max_ratio) : SIZE_MAX;
  const size_t cap = std::min(limits.max_bytes, ratio_cap);
  auto refuse = [&](const std::string& why) {
    gzclose(file);
    throw Error(path + ": " + why);
  };
  std::vector<unsigned char> bytes;
  if (on_disk <= cap) bytes.reserve(on_disk + 1);  // a plain file: one allocation
  // Start small (most inputs are small; a large first buffer costs more than the read) and double up to 16 MiB,
  // never reading more than one byte past the cap.
  size_t chunk = size_t{1} << 12;
  while (true) {
    size_t old_size = bytes.size();
    size_t want = std::min(chunk, cap + 1 - old_size);
    bytes.resize(old_size + want);
    int got = gzread(file, bytes.data() + old_size, static_cast<unsigned>(want));
    chunk = std::min(chunk * 2, size_t{1} << 24);
    if (got < 0) refuse("damaged gzip data");
    bytes.resize(old_size + static_cast<size_t>(got));
    const size_t checked = std::min(bytes.size(), limits.magic.size());
    if (checked > 0 && std::memcmp(bytes.data(), limits.magic.data(), checked) != 0) refuse("not a " + limits.kind);
    if (got == 0) break;
    if (bytes.size() > limits.max_bytes) refuse("larger than " + std::to_string(limits.max_bytes) + " bytes");
    if (bytes.size() > cap)
      refuse("inflates to more than " + std::to_string(cap) + " bytes, over " + std::to_string(limits.max_ratio) +
             " times its size (a decompression bomb?)");
  }
  if (bytes.size() < limits.magic.size()) refuse("not a " + limits.kind);
  int status = Z_OK;
  gzerror(file, &status);  // a truncated .gz ends the loop early with Z_BUF_ERROR set
  gzclose(file);
  if (status != Z_OK && status != Z_STREAM_END) throw Error(path + ": truncated or damaged gzip data");
  return bytes;
}

}  // namespace latent
