#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace latent {

/// Reads a whole file, gunzipping it if it is gzip (zlib reads plain files unchanged).
/// Refuses files that decompress to more than max_bytes, without allocating that much.
std::vector<unsigned char> read_bytes(const std::string& path, size_t max_bytes);

/// 4 GiB: more than any dataset file latent is meant to read in one piece.
constexpr size_t kMaxFileBytes = size_t{4} << 30;

}  // namespace latent
