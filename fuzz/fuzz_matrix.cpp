// Matrix files (.npy header and data, or .csv codes): the first byte picks the format.
#include "fuzz_common.h"
#include "latent/io/matrix_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const char* extension = data[0] & 1 ? ".csv" : ".npy";
  LATENT_FUZZ_GUARD(latent::read_matrix(latent_fuzz::write_temp(data + 1, size - 1, extension)));
}
