// CSV files (raw or gzip) with every label/header/separator option: the first byte picks the options.
#include "fuzz_common.h"
#include "latent/io/raw_data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const char* labels[] = {"none", "first", "last"};
  static const char* headers[] = {"auto", "yes", "no"};
  latent::CsvOptions options;
  options.label = labels[data[0] % 3];
  options.header = headers[(data[0] / 3) % 3];
  static const char* separators[] = {"auto", "comma", "semicolon", "tab", "bar"};
  options.separator = separators[(data[0] / 9) % 5];
  LATENT_FUZZ_GUARD(latent::read_csv(latent_fuzz::write_temp(data + 1, size - 1, ".csv"), options));
}
