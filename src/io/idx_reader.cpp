#include "latent/base/error.h"
#include "latent/base/read_bytes.h"
#include "latent/io/raw_data.h"

namespace latent {

IdxArray parse_idx(const std::vector<unsigned char>& bytes, const std::string& name) {
  // Header: 0x00 0x00, type (0x08 = unsigned byte), number of dims, then big-endian u32 dims.
  if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0) throw Error(name + ": not an IDX file (bad magic number)");
  if (bytes[2] != 0x08)
    throw Error(name + ": IDX element type " + std::to_string(bytes[2]) +
                " is not supported (only unsigned bytes, type 8)");
  size_t ndims = bytes[3];
  if (ndims == 0) throw Error(name + ": IDX file with zero dimensions");
  size_t header = 4 + 4 * ndims;
  if (bytes.size() < header) throw Error(name + ": truncated IDX header");
  IdxArray array;
  uint64_t total = 1;
  for (size_t i = 0; i < ndims; ++i) {
    const unsigned char* p = &bytes[4 + 4 * i];
    uint64_t dim = (uint64_t{p[0]} << 24) | (uint64_t{p[1]} << 16) | (uint64_t{p[2]} << 8) | p[3];
    if (dim != 0 && total > kMaxFileBytes / dim)  // checked before multiplying: no overflow
      throw Error(name + ": IDX header claims more elements than latent reads");
    total *= dim;
    array.dims.push_back(static_cast<int64_t>(dim));
  }
  if (bytes.size() - header != total)
    throw Error(name + ": IDX header promises " + std::to_string(total) + " bytes of data, file has " +
                std::to_string(bytes.size() - header) + (bytes.size() - header < total ? " (truncated)" : ""));
  array.data.assign(bytes.begin() + static_cast<long>(header), bytes.end());
  return array;
}

IdxArray read_idx(const std::string& path) { return parse_idx(read_bytes(path), path); }

RawData read_idx_pair(const std::string& images_path, const std::string& labels_path) {
  IdxArray images = read_idx(images_path);
  if (images.dims.size() != 3)
    throw Error(images_path + ": expected 3 dimensions (count, rows, columns), found " +
                std::to_string(images.dims.size()));
  IdxArray labels = read_idx(labels_path);
  if (labels.dims.size() != 1) throw Error(labels_path + ": expected 1 dimension (count)");
  if (labels.dims[0] != images.dims[0])
    throw Error(labels_path + ": " + std::to_string(labels.dims[0]) + " labels for " + std::to_string(images.dims[0]) +
                " images in " + images_path);
  RawData raw;
  raw.is_image = true;
  raw.sample_shape = {1, images.dims[1], images.dims[2]};
  raw.values.assign(images.data.begin(), images.data.end());
  raw.labels.assign(labels.data.begin(), labels.data.end());
  return raw;
}

}  // namespace latent
