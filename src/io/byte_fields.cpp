#include "io/byte_fields.h"

#include <zlib.h>

#include <algorithm>

namespace latent {

uint32_t crc32_of(const std::string& bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  size_t done = 0;
  while (done < bytes.size()) {  // crc32 takes a uInt length: feed it in pieces
    uInt piece = static_cast<uInt>(std::min<size_t>(bytes.size() - done, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + done), piece);
    done += piece;
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace latent
