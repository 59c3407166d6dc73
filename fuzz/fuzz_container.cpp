// The envelope of every latent file: magic, version, kind, length and CRC (raw bytes, no wrapping).
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  LATENT_FUZZ_GUARD(latent::read_container(latent_fuzz::write_temp(data, size, ".latent"), "model"));
}
