#include "latent/io/codec.h"

#include <zstd.h>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "base/json_number.h"
#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/base/read_bytes.h"
#include "latent/io/container.h"

namespace latent {
namespace {

constexpr int kZstdLevel = 19;  // files are written once and read often: spend the time
// Quantised codes carry bits: even with most dimensions constant they compress a few times, not
// the 32768 times zstd allows (a 128 KB file claiming 4 G levels). A frame claiming more levels per
// byte is refused before they are allocated, and latent never writes one.
constexpr uint64_t kMaxLevelsPerByte = 64;

bool frame_can_hold(uint64_t raw_bytes, size_t frame_size) { return raw_bytes <= frame_size * kMaxLevelsPerByte; }

float step_of(const Quantizer& q, int64_t d) { return (q.hi[d] - q.lo[d]) / static_cast<float>((1 << q.bits) - 1); }

void check_bits(int bits, const std::string& where) {
  if (bits < 4 || bits > 16) throw Error(where + ": bits must be 4..16, not " + std::to_string(bits));
}

}  // namespace

Quantizer Quantizer::fit(const std::vector<float>& codes, int64_t dims, int bits) {
  if (bits < 4 || bits > 16) throw SettingError("bits", "must be 4..16, not " + std::to_string(bits));
  if (dims < 1 || codes.empty() || codes.size() % dims != 0) throw Error("no codes to quantise");
  Quantizer q;
  q.bits = bits;
  q.lo.assign(dims, INFINITY);
  q.hi.assign(dims, -INFINITY);
  for (size_t i = 0; i < codes.size(); ++i) {
    if (!std::isfinite(codes[i])) throw Error("codes contain NaN or infinite values");
    q.lo[i % dims] = std::min(q.lo[i % dims], codes[i]);
    q.hi[i % dims] = std::max(q.hi[i % dims], codes[i]);
  }
  return q;
}

std::vector<uint16_t> Quantizer::quantize(const std::vector<float>& codes) const {
  const int64_t d = dims();
  const float top = static_cast<float>((1 << bits) - 1);
  std::vector<uint16_t> levels(codes.size());
  for (size_t i = 0; i < codes.size(); ++i) {
    float step = step_of(*this, i % d);
    float level = step > 0 ? std::round((codes[i] - lo[i % d]) / step) : 0.0f;
    levels[i] = static_cast<uint16_t>(std::clamp(level, 0.0f, top));
  }
  return levels;
}

std::vector<float> Quantizer::dequantize(const std::vector<uint16_t>& levels) const {
  const int64_t d = dims();
  std::vector<float> values(levels.size());
  for (size_t i = 0; i < levels.size(); ++i)
    values[i] = lo[i % d] + static_cast<float>(levels[i]) * step_of(*this, i % d);
  return values;
}

std::string pack_compressed(const CompressedCodes& codes) {
  const Quantizer& q = codes.quantizer;
  const int64_t dims = q.dims();
  nlohmann::json header = {{"format", kCompressedFormat},
                           {"model", codes.model_fingerprint},
                           {"count", codes.count},
                           {"dims", dims},
                           {"shape", codes.sample_shape},
                           {"bits", q.bits},
                           {"lo", q.lo},
                           {"hi", q.hi}};
  const int planes = q.bits > 8 ? 2 : 1;
  const size_t n = codes.levels.size();
  std::string raw(n * planes, '\0');
  for (int64_t item = 0; item < codes.count; ++item)
    for (int64_t d = 0; d < dims; ++d) {
      uint16_t level = codes.levels[item * dims + d];
      size_t at = d * codes.count + item;  // dimension-major
      raw[at] = static_cast<char>(level & 0xff);
      if (planes == 2) raw[n + at] = static_cast<char>(level >> 8);
    }
  std::string packed(ZSTD_compressBound(raw.size()), '\0');
  size_t size = ZSTD_compress(packed.data(), packed.size(), raw.data(), raw.size(), kZstdLevel);
  if (ZSTD_isError(size)) throw Error(std::string("zstd: ") + ZSTD_getErrorName(size));
  if (!frame_can_hold(raw.size(), size))
    throw Error("the codes compress more than " + std::to_string(kMaxLevelsPerByte) +
                " times (constant codes?): they hold too little to be worth a file");
  packed.resize(size);
  std::string text = header.dump();
  std::string payload;
  for (int i = 0; i < 4; ++i) payload.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xff));
  return pack_container("compressed", payload + text + packed);
}

CompressedCodes unpack_compressed(const std::string& bytes, const std::string& name) {
  std::string payload = unpack_container(bytes, "compressed", name);
  auto damaged = [&](const std::string& why) { return Error(name + ": damaged compressed file (" + why + ")"); };
  if (payload.size() < 4) throw damaged("no header");
  size_t header_size = 0;
  for (int i = 0; i < 4; ++i) header_size |= size_t{static_cast<unsigned char>(payload[i])} << (8 * i);
  if (header_size > payload.size() - 4) throw damaged("header length");
  CompressedCodes codes;
  try {
    nlohmann::json header = nlohmann::json::parse(payload.substr(4, header_size));
    if (json_int(header.at("format")) != kCompressedFormat)
      throw Error(name + ": compressed format " + header.at("format").dump() + "; this latent reads format " +
                  std::to_string(kCompressedFormat));
    codes.model_fingerprint = header.at("model").get<std::string>();
    codes.count = json_int(header.at("count"), 0, std::numeric_limits<int64_t>::max());
    codes.sample_shape = json_ints(header.at("shape"));
    codes.quantizer.bits = static_cast<int>(json_int(header.at("bits")));
    codes.quantizer.lo = json_floats(header.at("lo"));
    codes.quantizer.hi = json_floats(header.at("hi"));
    if (json_int(header.at("dims"), 0, std::numeric_limits<int64_t>::max()) != codes.quantizer.dims())
      throw damaged("dims");
  } catch (const nlohmann::json::exception&) {
    throw damaged("header");
  }
  const Quantizer& q = codes.quantizer;
  check_bits(q.bits, name);
  if (q.dims() < 1 || q.hi.size() != q.lo.size() || codes.count < 0) throw damaged("sizes");
  for (int64_t d = 0; d < q.dims(); ++d)
    if (!std::isfinite(q.lo[d]) || !std::isfinite(q.hi[d]) || q.lo[d] > q.hi[d]) throw damaged("ranges");
  const int planes = q.bits > 8 ? 2 : 1;
  // Checked before multiplying (no wrap-around) and before allocating: no more than latent reads
  // from any file, and no more than the frame can hold.
  if (static_cast<uint64_t>(codes.count) > kMaxFileBytes / static_cast<uint64_t>(q.dims()) / planes)
    throw damaged("sizes");
  const uint64_t n = static_cast<uint64_t>(codes.count) * q.dims();
  const char* frame = payload.data() + 4 + header_size;
  const size_t frame_size = payload.size() - 4 - header_size;
  if (!frame_can_hold(n * planes, frame_size))
    throw damaged("count " + std::to_string(codes.count) + ": more codes than " + std::to_string(frame_size) +
                  " bytes hold");
  if (ZSTD_getFrameContentSize(frame, frame_size) != n * planes) throw damaged("payload size");
  std::string raw(n * planes, '\0');
  size_t got = ZSTD_decompress(raw.data(), raw.size(), frame, frame_size);
  if (ZSTD_isError(got) || got != raw.size()) throw damaged("payload");
  codes.levels.resize(n);
  const uint32_t top = (1u << q.bits) - 1;
  for (int64_t item = 0; item < codes.count; ++item)
    for (int64_t d = 0; d < q.dims(); ++d) {
      size_t at = d * codes.count + item;
      uint32_t level = static_cast<unsigned char>(raw[at]);
      if (planes == 2) level |= uint32_t{static_cast<unsigned char>(raw[n + at])} << 8;
      if (level > top) throw damaged("level out of range");
      codes.levels[item * q.dims() + d] = static_cast<uint16_t>(level);
    }
  return codes;
}

void write_compressed(const std::string& path, const CompressedCodes& codes) {
  write_file_atomic(path, pack_compressed(codes));
}

CompressedCodes read_compressed(const std::string& path) { return unpack_compressed(read_container_file(path), path); }

}  // namespace latent
