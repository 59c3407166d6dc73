// Training on real MNIST slices: loss falls, runs are reproducible, resume is exact,
// a NaN stops the run without touching the last checkpoint.
#include <gtest/gtest.h>

#include "fixtures.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/model/model_file.h"
#include "latent/runtime/threads.h"
#include "latent/train/trainer.h"

namespace latent {
namespace {

using testing::mnist_slice;
using testing::mnist_spec;
using testing::scratch_path;

struct Split {
  Dataset train, val;
};

Split mnist_train_val(int64_t count) {
  auto [train, val] = split_validation(mnist_slice("train", count), 0.2);
  return {train, val};
}

TrainOptions small_options(int epochs) {
  TrainOptions options;
  options.epochs = epochs;
  options.batch = 64;
  options.seed = 7;
  return options;
}

std::vector<double> fit_losses(Trainer& trainer, const Split& data) {
  std::vector<double> losses;
  trainer.fit(data.train, data.val, [&](const EpochStats& s, bool) { losses.push_back(s.val_loss); });
  return losses;
}

class Training : public ::testing::Test {
 protected:
  void SetUp() override {
    set_quiet(true);
    configure_threads(0);
  }
};

TEST_F(Training, LowersValidationLossOnTwoThousandImages) {
  Split data = mnist_train_val(2000);
  torch::manual_seed(3);
  Trainer trainer(Autoencoder(mnist_spec({128}, 16)), small_options(5));
  double before = 0;
  {
    torch::NoGradGuard no_grad;
    before = trainer.model()
                 ->loss(trainer.model()->decode_logits(trainer.model()->encode(data.val.x)), data.val.x)
                 .item<double>();
  }
  std::vector<double> losses = fit_losses(trainer, data);
  ASSERT_EQ(losses.size(), 5u);
  EXPECT_LT(losses.back(), 0.5 * before) << "before " << before << ", after " << losses.back();
  EXPECT_LT(losses.back(), losses.front());
}

TEST_F(Training, SameSeedSameLossesOtherSeedOtherLosses) {
  Split data = mnist_train_val(1000);
  auto run = [&](uint64_t seed) {
    torch::manual_seed(seed);
    TrainOptions options = small_options(2);
    options.seed = seed;
    Trainer trainer(Autoencoder(mnist_spec({32}, 8)), options);
    return fit_losses(trainer, data);
  };
  std::vector<double> a = run(11);
  EXPECT_EQ(a, run(11));
  EXPECT_NE(a, run(12));
}

TEST_F(Training, IwaeScheduleStepsDownByATenthOfADecadeOverStagesOfThreeToTheI) {
  Split data = mnist_train_val(80);  // 64 to train: one step an epoch at batch 64
  TrainOptions options = small_options(3280);
  options.lr = 1e-3;
  options.schedule = LrSchedule::iwae;
  Trainer trainer(Autoencoder(mnist_spec({8}, 4)), options);
  std::vector<double> lrs;
  trainer.fit(data.train, data.val, [&](const EpochStats& s, bool) { lrs.push_back(s.lr); });
  ASSERT_EQ(lrs.size(), 3280u);
  // Stage i starts after 1 + 3 + ... + 3^(i-1) epochs.
  const std::vector<std::pair<int, int>> epoch_stage = {{1, 0},  {2, 1},   {4, 1},   {5, 2},    {13, 2},   {14, 3},
                                                        {41, 4}, {122, 5}, {365, 6}, {1093, 6}, {1094, 7}, {3280, 7}};
  for (auto [epoch, stage] : epoch_stage)
    EXPECT_NEAR(lrs[epoch - 1], 1e-3 * std::pow(10.0, -stage / 7.0), 1e-12) << "epoch " << epoch;
}

TEST_F(Training, ResumeContinuesExactly) {
  Split data = mnist_train_val(1000);
  std::string ckpt = scratch_path("resume.ckpt");
  auto fresh = [] {
    torch::manual_seed(5);
    return Trainer(Autoencoder(mnist_spec({32}, 8)), small_options(4));
  };
  Trainer straight = fresh();
  std::vector<double> expected = fit_losses(straight, data);

  // The same run "killed" during epoch 3: the checkpoint holds epochs 1-2.
  Trainer killed = fresh();
  std::vector<double> first_part =
      testing::fit_until_killed(killed, ckpt, data.train, data.val, 3, {{"data", "mnist"}});
  Normalization norm;
  nlohmann::json meta;
  Trainer resumed = Trainer::resume(ckpt, norm, meta);
  EXPECT_EQ(resumed.state().epochs_done, 2);
  EXPECT_EQ(meta["data"], "mnist");
  std::vector<double> rest = fit_losses(resumed, data);
  first_part.insert(first_part.end(), rest.begin(), rest.end());
  EXPECT_EQ(first_part, expected);
  auto params_a = straight.model()->parameters(), params_b = resumed.model()->parameters();
  for (size_t i = 0; i < params_a.size(); ++i) EXPECT_TRUE(torch::equal(params_a[i], params_b[i]));
  std::remove(ckpt.c_str());
}

TEST_F(Training, NanLossStopsAndKeepsLastCheckpoint) {
  Split data = mnist_train_val(500);
  std::string ckpt = scratch_path("nan.ckpt");
  torch::manual_seed(5);
  TrainOptions options = small_options(1);
  Trainer trainer(Autoencoder(mnist_spec({}, 8)), options);
  trainer.set_checkpoint(ckpt, Normalization{}, {});
  fit_losses(trainer, data);
  trainer.mutable_options().epochs = 3;
  data.train.x[0][0] = std::numeric_limits<float>::quiet_NaN();
  try {
    fit_losses(trainer, data);
    FAIL() << "a NaN loss must stop training";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nan"), std::string::npos) << e.what();
  }
  Normalization norm;
  nlohmann::json meta;
  EXPECT_EQ(Trainer::resume(ckpt, norm, meta).state().epochs_done, 1);
  std::remove(ckpt.c_str());
}

TEST_F(Training, CheckpointOfAnotherKindIsRefused) {
  torch::manual_seed(1);
  Autoencoder model(mnist_spec({}, 4));
  std::string path = scratch_path("not_ckpt.model");
  save_model(path, model, Normalization{}, {});
  Normalization norm;
  nlohmann::json meta;
  EXPECT_THROW(Trainer::resume(path, norm, meta), Error);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace latent
