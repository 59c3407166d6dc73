// IDX files, raw or gzip (read_bytes gunzips): header checks, sizes, truncation.
#include "fuzz_common.h"
#include "latent/io/raw_data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  LATENT_FUZZ_GUARD(latent::read_idx(latent_fuzz::write_temp(data, size, ".idx")));
}
