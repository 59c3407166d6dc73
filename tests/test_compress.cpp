// Compression through a model: decompressing a file gives exactly encode → quantise → decode,
// and only the model that wrote it may decompress it.
#include <gtest/gtest.h>

#include <filesystem>

#include "fixtures.h"
#include "latent/apps/compress.h"
#include "latent/base/error.h"
#include "latent/model/evaluate.h"
#include "latent/runtime/threads.h"

namespace latent {
namespace {

LoadedModel fresh_model(uint64_t seed, const std::string& fingerprint) {
  torch::manual_seed(seed);
  LoadedModel m;
  m.model = Autoencoder(testing::mnist_spec({64}, 12));
  m.model->eval();
  m.fingerprint = fingerprint;
  return m;
}

TEST(Compress, FileRoundTripEqualsEncodeQuantiseDecode) {
  configure_threads(0);
  Dataset data = testing::mnist_slice("test", 300);
  LoadedModel model = fresh_model(5, "00000000000000aa");
  std::string path = testing::scratch_path("round.ltc");
  for (int bits : {4, 8, 12}) {
    write_compressed(path, compress(model, data.x, data.sample_shape, bits));
    torch::Tensor from_file = decompress(model, read_compressed(path), path);

    torch::Tensor codes = encode_all(model.model, data.x).contiguous();
    std::vector<float> values(codes.data_ptr<float>(), codes.data_ptr<float>() + codes.numel());
    Quantizer q = Quantizer::fit(values, codes.size(1), bits);
    std::vector<float> quantised = q.dequantize(q.quantize(values));
    torch::Tensor expected = decode_all(model.model, torch::from_blob(quantised.data(), codes.sizes()).clone());
    EXPECT_TRUE(torch::equal(from_file, expected)) << bits << " bits";
    // More bits, closer to the unquantised reconstruction.
    double gap = (from_file - decode_all(model.model, codes)).abs().max().item<double>();
    EXPECT_LT(gap, bits == 4 ? 0.5 : 0.05) << bits << " bits";
  }
  std::filesystem::remove(path);
}

TEST(Compress, RefusesAnotherModel) {
  Dataset data = testing::mnist_slice("test", 20);
  LoadedModel model = fresh_model(5, "00000000000000aa");
  LoadedModel other = fresh_model(6, "00000000000000bb");
  CompressedCodes codes = compress(model, data.x, data.sample_shape, 8);
  EXPECT_THROW(decompress(other, codes, "f.ltc"), Error);
}

}  // namespace
}  // namespace latent
