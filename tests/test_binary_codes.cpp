// The binary code head: the noise schedule, its penalties, and that training with rising noise
// saturates the code units to 0/1 (on a real MNIST slice).
#include <gtest/gtest.h>

#include "fixtures.h"
#include "latent/binary_init.h"
#include "latent/code_metrics.h"
#include "latent/error.h"
#include "latent/evaluate.h"
#include "latent/model_file.h"
#include "latent/retrieval_baselines.h"
#include "latent/trainer.h"

namespace latent {
namespace {

using testing::mnist_slice;
using testing::mnist_spec;

ModelSpec binary_spec(double noise_end) {
  ModelSpec spec = mnist_spec({200}, 16);
  spec.code_head = "binary";
  spec.noise_start = 0;
  spec.noise_end = noise_end;
  spec.noise_epochs = 6;
  return spec;
}

TEST(BinaryHead, NoiseScheduleRampsLinearlyThenHolds) {
  ModelSpec spec = binary_spec(4);
  parse_noise_schedule("linear:1:3", 5, spec);
  EXPECT_EQ(binary_noise_std(spec, 1), 1.0);
  EXPECT_EQ(binary_noise_std(spec, 3), 2.0);
  EXPECT_EQ(binary_noise_std(spec, 5), 3.0);
  EXPECT_EQ(binary_noise_std(spec, 9), 3.0);
  EXPECT_EQ(binary_noise_std(spec, 0), 0.0);  // evaluation: no noise
  parse_noise_schedule("linear:0:4:3", 20, spec);
  EXPECT_EQ(spec.noise_epochs, 3);
  EXPECT_EQ(binary_noise_std(spec, 2), 2.0);
  EXPECT_EQ(binary_noise_std(spec, 10), 4.0);
  for (const char* bad : {"linear:1", "cosine:0:4", "linear:0:4:0", "linear:a:4", "linear:0:4:2.5"})
    EXPECT_THROW(parse_noise_schedule(bad, 5, spec), Error) << bad;
  spec.noise_start = -1;
  EXPECT_THROW(spec.validate(), Error);
  ModelSpec bits = binary_spec(4);
  for (int64_t b : {4, 12, 264}) {
    bits.latent = b;
    EXPECT_THROW(bits.validate(), Error) << b;
  }
}

TEST(BinaryHead, PenaltiesAreZeroForBalancedIndependentBitsOnly) {
  ModelSpec spec = binary_spec(4);
  spec.bit_balance = 1;
  spec.bit_decorrelation = 1;
  // All four combinations of two bits: balanced and uncorrelated.
  torch::Tensor ideal = torch::tensor({{0.f, 0.f}, {0.f, 1.f}, {1.f, 0.f}, {1.f, 1.f}});
  EXPECT_NEAR(binary_code_penalty(spec, ideal).item<double>(), 0.0, 1e-6);
  // Always-on bits: balance (1 − ½)² per bit.
  spec.bit_decorrelation = 0;
  EXPECT_NEAR(binary_code_penalty(spec, torch::ones({4, 2})).item<double>(), 0.5, 1e-6);
  // Two copies of one balanced bit: correlation 1 for both ordered pairs.
  spec.bit_balance = 0;
  spec.bit_decorrelation = 1;
  torch::Tensor copies = torch::tensor({{0.f, 0.f}, {1.f, 1.f}, {0.f, 0.f}, {1.f, 1.f}});
  EXPECT_NEAR(binary_code_penalty(spec, copies).item<double>(), 1.0, 1e-3);
}

// Trains 6 epochs on 2,000 images and returns the test-slice binary metrics.
nlohmann::json train_and_measure(double noise_end) {
  Dataset train = mnist_slice("train", 2000);
  torch::manual_seed(3);
  Autoencoder model(binary_spec(noise_end));
  TrainOptions options;
  options.epochs = 6;
  options.seed = 3;
  Trainer trainer(model, options);
  trainer.fit(train, Dataset{}, [](const EpochStats&, bool) {});
  model->eval();
  return binary_code_metrics(model, mnist_slice("test", 500));
}

TEST(BinaryHead, RisingNoiseSaturatesTheBits) {
  nlohmann::json noisy = train_and_measure(4), quiet = train_and_measure(0);
  const double noisy_saturation = noisy["saturation"], quiet_saturation = quiet["saturation"];
  // Measured: 0.965 with noise rising to 4, 0.947 without (a BCE-trained sigmoid code drifts
  // towards 0/1 on its own; the noise pushes it further).
  EXPECT_GT(noisy_saturation, 0.95);
  EXPECT_GT(noisy_saturation, quiet_saturation);
  EXPECT_EQ(noisy["bit_balance"].size(), 16u);
}

TEST(BinaryHead, InitFromAFloatModelStartsAtItsItqBits) {
  Dataset data = mnist_slice("train", 1000);
  TrainOptions options;
  options.epochs = 2;
  options.batch = 100;
  torch::manual_seed(2);
  Trainer float_trainer(Autoencoder(mnist_spec({200}, 16)), options);
  float_trainer.fit(data, Dataset{}, [](const EpochStats&, bool) {});
  Autoencoder from = float_trainer.model();
  Autoencoder to(binary_spec(4));
  ASSERT_GT(copy_matching_parameters(from, to), 0);
  ASSERT_TRUE(align_binary_code_with_itq(from, to, data.x, 7));
  torch::NoGradGuard no_grad;
  to->eval();
  // The binary model's bits are the ITQ bits of the float codes (ITQ refitted the same way).
  torch::Tensor codes = from->encode(data.x).to(torch::kDouble);
  ItqFit itq = fit_itq(codes, 16, 7);
  torch::Tensor expected = (codes - itq.mean).mm(itq.axes).mm(itq.rotation) > 0;
  torch::Tensor bits = to->encode(data.x) > 0.5;
  EXPECT_GT(bits.eq(expected).to(torch::kFloat).mean().item<double>(), 0.999);
  // Decoding the bits reconstructs about as well as the float model does from its own codes,
  // far better than the copied decoder without the alignment of its first layer.
  auto sse = [&](Autoencoder& model, const torch::Tensor& code) {
    return (model->decode(code) - data.x).pow(2).sum(1).mean().item<double>();
  };
  const double float_sse = sse(from, from->encode(data.x));
  const double bits_sse = sse(to, bits.to(torch::kFloat));
  Autoencoder unaligned(binary_spec(4));
  copy_matching_parameters(from, unaligned);
  const double unaligned_sse = sse(unaligned, (unaligned->encode(data.x) > 0.5).to(torch::kFloat));
  EXPECT_LT(bits_sse, 2.5 * float_sse);
  EXPECT_LT(bits_sse, unaligned_sse);
  // A float model of another code size is left alone.
  Autoencoder other(mnist_spec({200}, 8));
  EXPECT_FALSE(align_binary_code_with_itq(other, to, data.x, 7));
}

}  // namespace
}  // namespace latent
