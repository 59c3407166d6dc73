// One reader on one file, in a process without LibTorch, so that /usr/bin/time measures the
// reader (bench/limits.sh): prints what was read, or the latent::Error (exit 2).
// Usage: read_one idx|npy|image|ltc|index|csv FILE
#include <cstdio>
#include <string>

#include "latent/base/error.h"
#include "latent/io/codec.h"
#include "latent/io/matrix_file.h"
#include "latent/io/raw_data.h"
#include "latent/search/code_index.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: read_one idx|npy|image|ltc|index|csv FILE\n");
    return 2;
  }
  std::string kind = argv[1], path = argv[2];
  try {
    if (kind == "idx") std::printf("%zu bytes\n", latent::read_idx(path).data.size());
    else if (kind == "npy") std::printf("%lld rows\n", static_cast<long long>(latent::read_matrix(path).rows));
    else if (kind == "image")
      std::printf("%lld pixels\n", static_cast<long long>(latent::read_image_file(path).features()));
    else if (kind == "ltc") std::printf("%lld codes\n", static_cast<long long>(latent::read_compressed(path).count));
    else if (kind == "index") std::printf("%lld codes\n", static_cast<long long>(latent::CodeIndex::load(path).size()));
    else if (kind == "csv")
      std::printf("%lld rows\n", static_cast<long long>(latent::read_csv(path, latent::CsvOptions{}).count()));
    else throw latent::Error("unknown kind " + kind);
  } catch (const latent::Error& e) {
    std::fprintf(stderr, "latent: %s\n", e.what());
    return 2;
  }
  return 0;
}
