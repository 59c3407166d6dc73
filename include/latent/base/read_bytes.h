#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace latent {

/// 4 GiB: more than any dataset file latent is meant to read in one piece.
constexpr size_t kMaxFileBytes = size_t{4} << 30;

/// What one kind of file may hold. Gzip can inflate a thousandfold (2 GB of zeros gzip to 2 MB),
/// so besides max_bytes a file may inflate to at most max_ratio times its size on disk, or to
/// kInflateFloor for small files: MNIST's .gz inflate 5x, latent's own files barely at all.
struct ReadLimits {
  size_t max_bytes = kMaxFileBytes;
  size_t max_ratio = 200;
  std::string magic = {};  ///< when set, the file must start with these bytes ...
  std::string kind = {};   ///< ... else "PATH: not a KIND", refused after reading only those
};
constexpr size_t kInflateFloor = size_t{16} << 20;

/// Reads a whole file, gunzipping it if it is gzip (zlib reads plain files unchanged).
/// Refuses a file beyond its limits as soon as it gets there, without allocating more.
std::vector<unsigned char> read_bytes(const std::string& path, const ReadLimits& limits = {});

}  // namespace latent
