#pragma once
// numpy's file formats, written: .npy (one array) and .npz (a zip of .npy files, uncompressed),
// which np.load reads without allow_pickle.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latent {

/// A .npy file: the header for `descr` (numpy's type string: "<f4", "<U12") and `shape` (C order,
/// empty for a 0-d array), then `data` as it is.
std::string npy_bytes(const std::string& descr, const std::vector<int64_t>& shape, std::string_view data);
/// A 0-d unicode array (np.load gives a str back with str(array)); `text` must be ASCII.
std::string npy_text(const std::string& text);
/// A .npz: each (name, .npy bytes) stored as "name.npy". Throws latent::Error past 4 GiB (zip64).
std::string npz_bytes(const std::vector<std::pair<std::string, std::string>>& npy_files);

}  // namespace latent
