// Anomaly detector files: the JSON header line and the embedded model file.
#include "fuzz_common.h"
#include "latent/apps/anomaly.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  LATENT_FUZZ_GUARD(latent::load_detector(latent_fuzz::wrapped_temp(data, size, "detector")));
}
