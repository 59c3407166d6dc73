#pragma once
// Compressed files (.ltc): the codes of a dataset, quantised per dimension and entropy-coded,
// so that the model that made them can decode the data back. No torch here.
//
// A latent container of kind "compressed" whose payload is
//   u32 header length | header (JSON) | zstd frame of the quantisation levels
// header: {"format", "model" (fingerprint), "count", "dims", "shape", "bits", "lo", "hi"};
// levels are stored dimension-major (all items' level for dimension 0, then dimension 1, ...)
// so that each zstd block sees one dimension's distribution; one byte per level up to 8 bits,
// else two byte planes (low bytes, then high bytes).
#include <cstdint>
#include <string>
#include <vector>

namespace latent {

constexpr uint32_t kCompressedFormat = 1;

/// Uniform quantiser per code dimension over [lo, hi]: level = round((v - lo) / step),
/// value = lo + level · step, step = (hi - lo) / (2^bits - 1). Values outside are clamped.
struct Quantizer {
  int bits = 8;               ///< 4..16
  std::vector<float> lo, hi;  ///< one per dimension

  /// The range of each dimension of codes [count × dims].
  static Quantizer fit(const std::vector<float>& codes, int64_t dims, int bits);
  int64_t dims() const { return static_cast<int64_t>(lo.size()); }
  std::vector<uint16_t> quantize(const std::vector<float>& codes) const;
  std::vector<float> dequantize(const std::vector<uint16_t>& levels) const;
};

struct CompressedCodes {
  std::string model_fingerprint;      ///< the model that encodes and decodes these codes
  std::vector<int64_t> sample_shape;  ///< of the original data, {1, H, W} or {D}
  int64_t count = 0;
  Quantizer quantizer;
  std::vector<uint16_t> levels;  ///< count × dims, row-major
};

/// The whole file's bytes (container included).
std::string pack_compressed(const CompressedCodes& codes);
/// Checks everything (container, header, sizes, level range); `name` is used in errors.
CompressedCodes unpack_compressed(const std::string& bytes, const std::string& name);

void write_compressed(const std::string& path, const CompressedCodes& codes);
CompressedCodes read_compressed(const std::string& path);

}  // namespace latent
