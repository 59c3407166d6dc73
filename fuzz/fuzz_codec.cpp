// Compressed .ltc files: the JSON header, the quantiser and the zstd frame (payload fuzzed
// inside a valid container).
#include "fuzz_common.h"
#include "latent/io/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  LATENT_FUZZ_GUARD(latent::read_compressed(latent_fuzz::wrapped_temp(data, size, "compressed")));
}
