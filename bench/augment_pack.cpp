// Writes a pack of N augmented MNIST digits for bench/pack_train.sh: the 70,000 train and test
// digits in turn, each copy shifted by a random (dx, dy) in [-3, 3]² (zeros shifted in), with its
// label. Usage: augment_pack OUT.lpk N [SEED]
#include <cstdio>
#include <random>
#include <string>

#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/io/data_source.h"
#include "latent/io/pack_file.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: augment_pack OUT.lpk N [SEED]\n");
    return 2;
  }
  try {
    const int64_t n = std::stoll(argv[2]);
    std::mt19937_64 rng(argc > 3 ? std::stoull(argv[3]) : 1);
    latent::RawData digits = latent::load_raw("mnist", "train");
    const latent::RawData test = latent::load_raw("mnist", "test");
    digits.values.insert(digits.values.end(), test.values.begin(), test.values.end());
    digits.labels.insert(digits.labels.end(), test.labels.begin(), test.labels.end());
    const int64_t side = 28, area = side * side, sources = digits.count();
    std::uniform_int_distribution<int> shift(-3, 3);
    latent::PackWriter pack(argv[1], "mnist train+test, shifted by up to 3 pixels (bench/augment_pack)");
    latent::Progress progress("augment_pack", n);
    constexpr int64_t kChunk = 16384;
    latent::RawData chunk;
    chunk.is_image = true;
    chunk.sample_shape = {1, side, side};
    for (int64_t begin = 0; begin < n; begin += kChunk) {
      const int64_t rows = std::min(kChunk, n - begin);
      chunk.values.assign(static_cast<size_t>(rows * area), 0.0f);
      chunk.labels.resize(static_cast<size_t>(rows));
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t source = (begin + r) % sources;
        const int dx = shift(rng), dy = shift(rng);
        const float* from = digits.values.data() + source * area;
        float* into = chunk.values.data() + r * area;
        for (int64_t y = 0; y < side; ++y)
          for (int64_t x = 0; x < side; ++x) {
            const int64_t sy = y - dy, sx = x - dx;
            if (sy >= 0 && sy < side && sx >= 0 && sx < side) into[y * side + x] = from[sy * side + sx];
          }
        chunk.labels[static_cast<size_t>(r)] = digits.labels[static_cast<size_t>(source)];
      }
      pack.add(chunk);
      progress.update(begin + rows);
    }
    pack.commit();
    progress.finish();
    return 0;
  } catch (const latent::Error& e) {
    std::fprintf(stderr, "augment_pack: %s\n", e.what());
    return 2;
  }
}
