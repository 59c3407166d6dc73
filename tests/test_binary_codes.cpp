// The binary code head: the noise schedule, its penalties, and that training with rising noise
// saturates the code units to 0/1 (on a real MNIST slice).
#include <limits>

#include <gtest/gtest.h>

#include "fixtures.h"
#include "latent/base/error.h"
#include "latent/eval/code_metrics.h"
#include "latent/model/evaluate.h"
#include "latent/train/neighbour_graph.h"
#include "latent/train/trainer.h"

namespace latent {
namespace {

using testing::mnist_slice;
using testing::mnist_spec;

ModelSpec binary_spec(double noise_end) {
  ModelSpec spec = mnist_spec({200}, 16);
  spec.code_head = CodeHead::binary;
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

TEST(NeighbourGraph, IsTheBruteForceKNearestWithoutTheRowItself) {
  torch::manual_seed(5);
  torch::Tensor x = torch::randn({300, 20});
  x[7] = x[42];  // an exact duplicate: each is the other's nearest neighbour
  torch::Tensor neighbours = nearest_neighbours(x, 5);
  ASSERT_EQ(neighbours.sizes(), (std::vector<int64_t>{300, 5}));
  torch::Tensor d = torch::cdist(x, x);
  d.fill_diagonal_(std::numeric_limits<float>::infinity());
  // The same distances, nearest first (ids may differ where distances tie, as for rows 7 and 42).
  torch::Tensor expected = std::get<0>(d.topk(5, 1, false));
  EXPECT_TRUE(d.gather(1, neighbours).allclose(expected, 1e-4, 1e-4));
  EXPECT_EQ((neighbours == torch::arange(300).unsqueeze(1)).sum().item<int64_t>(), 0);
  EXPECT_EQ(neighbours[7][0].item<int64_t>(), 42);
  EXPECT_EQ(neighbours[42][0].item<int64_t>(), 7);
  EXPECT_THROW(nearest_neighbours(x, 300), Error);
}

TEST(NeighbourGraph, BatchesPairEachAnchorWithOneOfItsNeighbours) {
  torch::Tensor neighbours = torch::tensor({{1, 2}, {0, 2}, {0, 1}, {1, 0}}, torch::kInt64);
  torch::Tensor rows = anchors_with_neighbours(torch::tensor({3, 0}, torch::kInt64), neighbours);
  ASSERT_EQ(rows.size(0), 4);
  EXPECT_EQ(rows[0].item<int64_t>(), 3);
  EXPECT_EQ(rows[1].item<int64_t>(), 0);
  EXPECT_TRUE(rows[2].item<int64_t>() == 1 || rows[2].item<int64_t>() == 0);
  EXPECT_TRUE(rows[3].item<int64_t>() == 1 || rows[3].item<int64_t>() == 2);
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

TEST(BinaryHead, NeighbourPullIsTheMeanSquaredGapBetweenPairedRows) {
  // Rows 0,1 are anchors, rows 2,3 their partners. Gaps: row 0 vs 2: (0, 0.5); row 1 vs 3:
  // (0.5, 1). Mean of the squares over 4 values: (0.25 + 0.25 + 1) / 4.
  torch::Tensor codes = torch::tensor({{0.5f, 0.5f}, {0.f, 0.f}, {0.5f, 1.f}, {0.5f, 1.f}});
  EXPECT_NEAR(neighbour_pull_penalty(codes).item<double>(), 0.375, 1e-6);
  EXPECT_NEAR(neighbour_pull_penalty(torch::cat({codes.slice(0, 0, 2), codes.slice(0, 0, 2)})).item<double>(), 0.0,
              1e-9);
}

TEST(BinaryHead, TheBestModelComesFromTheEndOfTheNoiseRamp) {
  // With rising noise an early, unsaturated epoch can have the lowest validation loss; it must
  // not be the model kept (nor stop training early through --patience).
  Dataset data = mnist_slice("train", 600);
  auto [train, val] = split_validation(data, 0.2);
  ModelSpec spec = binary_spec(4);
  spec.noise_epochs = 3;
  torch::manual_seed(3);
  Autoencoder model(spec);
  TrainOptions options;
  options.epochs = 4;
  options.patience = 1;
  options.seed = 3;
  Trainer trainer(model, options);
  std::vector<int> improved_epochs;
  trainer.fit(train, val, [&](const EpochStats& stats, bool improved) {
    if (improved) improved_epochs.push_back(stats.epoch);
  });
  ASSERT_FALSE(improved_epochs.empty());
  EXPECT_EQ(improved_epochs.front(), 3);
  EXPECT_GE(trainer.state().best_epoch, 3);
  EXPECT_EQ(first_selectable_epoch(spec, 2), 2);  // a run shorter than the ramp keeps its last epoch
  EXPECT_EQ(first_selectable_epoch(mnist_spec({200}, 16), 4), 1);
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

}  // namespace
}  // namespace latent
