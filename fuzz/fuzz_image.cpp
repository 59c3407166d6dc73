// Image files (PNG, JPEG, ... through stb_image) as `images:DIR` reads them.
#include "fuzz_common.h"
#include "latent/io/raw_data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  LATENT_FUZZ_GUARD(latent::read_image_file(latent_fuzz::write_temp(data, size, ".png")));
}
