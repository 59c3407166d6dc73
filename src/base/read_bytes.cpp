#include "latent/base/read_bytes.h"

#include <zlib.h>

#include <algorithm>

#include "latent/base/error.h"

namespace latent {

std::vector<unsigned char> read_bytes(const std::string& path, size_t max_bytes) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw Error("cannot open " + path);
  std::vector<unsigned char> bytes;
  // Start small (most inputs are small; a large first buffer costs more than the read) and double up to 16 MiB.
  size_t chunk = size_t{1} << 12;
  while (true) {
    size_t old_size = bytes.size();
    bytes.resize(old_size + chunk);
    int got = gzread(file, bytes.data() + old_size, static_cast<unsigned>(chunk));
    chunk = std::min(chunk * 2, size_t{1} << 24);
    if (got < 0) {
      gzclose(file);
      throw Error(path + ": damaged gzip data");
    }
    bytes.resize(old_size + static_cast<size_t>(got));
    if (got == 0) break;
    if (bytes.size() > max_bytes) {
      gzclose(file);
      throw Error(path + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  int status = Z_OK;
  gzerror(file, &status);  // a truncated .gz ends the loop early with Z_BUF_ERROR set
  gzclose(file);
  if (status != Z_OK && status != Z_STREAM_END) throw Error(path + ": truncated or damaged gzip data");
  return bytes;
}

}  // namespace latent
