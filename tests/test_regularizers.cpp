// Regularised autoencoders on real MNIST slices: each part does what it is for, measured
// against the same model trained without it.
#include <gtest/gtest.h>

#include "fixtures.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/eval/code_metrics.h"
#include "latent/model/regularizer.h"
#include "latent/runtime/threads.h"
#include "latent/train/corruption.h"
#include "latent/train/trainer.h"

namespace latent {
namespace {

using testing::mnist_slice;
using testing::mnist_spec;
using testing::scratch_path;

class Regularizers : public ::testing::Test {
 protected:
  void SetUp() override {
    set_quiet(true);
    configure_threads(0);
  }

  // Trains `spec` on the first 3,000 training images (fixed seed); returns the model.
  static Autoencoder train(const ModelSpec& spec, int epochs) {
    static const Dataset data = mnist_slice("train", 3000);
    torch::manual_seed(3);
    TrainOptions options;
    options.epochs = epochs;
    options.batch = 64;
    options.seed = 7;
    Trainer trainer(Autoencoder(spec), options);
    trainer.fit(data, Dataset{}, [](const EpochStats&, bool) {});
    return trainer.model();
  }

  static const Dataset& test_set() {
    static const Dataset data = mnist_slice("test", 1000);
    return data;
  }
};

TEST(RegularizerSpec, ParsesPrintsAndRefuses) {
  EXPECT_EQ(CorruptionSpec::parse("masking:0.3").str(), "masking:0.3");
  EXPECT_EQ(CorruptionSpec::parse("gaussian:0.5").amount, 0.5);
  EXPECT_FALSE(CorruptionSpec::parse("none").active());
  SparsitySpec kl = SparsitySpec::parse("kl:0.05,0.1");
  EXPECT_EQ(kl.kind, SparsityKind::kl);
  EXPECT_EQ(kl.rho, 0.05);
  EXPECT_EQ(kl.weight, 0.1);
  EXPECT_EQ(SparsitySpec::parse(kl.str()).str(), kl.str());
  for (const char* bad : {"masking", "masking:1.5", "masking:x", "blur:0.1", "gaussian:-1", "masking:0.1,0.2"})
    EXPECT_THROW(CorruptionSpec::parse(bad), Error) << bad;
  for (const char* bad : {"l1", "l1:0", "kl:0.05", "kl:1.5,0.1", "l2:0.1", "l1:nan"})
    EXPECT_THROW(SparsitySpec::parse(bad), Error) << bad;
  AugmentSpec augment = AugmentSpec::parse("color:0.1,flip,shift:4");
  EXPECT_TRUE(augment.flip);
  EXPECT_EQ(augment.shift, 4);
  EXPECT_EQ(augment.color, 0.1);
  EXPECT_EQ(augment.str(), "flip,shift:4,color:0.1");
  EXPECT_FALSE(AugmentSpec::parse("none").active());
  for (const char* bad : {"flip:1", "shift", "shift:1.5", "shift:0", "color:0", "color:0.9", "rotate", "flip,flip"})
    EXPECT_THROW(AugmentSpec::parse(bad), Error) << bad;
}

TEST(RegularizerSpec, OldSpecJsonLoadsWithDefaultsAndNewFieldsRoundTrip) {
  nlohmann::json old = {
      {"input_shape", {1, 28, 28}},  {"arch", "dense"},     {"layers", {64}}, {"latent", 8}, {"activation", "relu"},
      {"code_activation", "linear"}, {"output", "sigmoid"}, {"loss", "bce"}};
  ModelSpec spec = ModelSpec::from_json(old);
  EXPECT_FALSE(spec.corrupt.active());
  EXPECT_FALSE(spec.sparsity.active());
  EXPECT_EQ(spec.contractive, 0);
  spec.arch = Arch::conv;
  spec.channels = {8, 16};
  spec.corrupt = CorruptionSpec::parse("saltpepper:0.2");
  spec.code_activation = Activation::sigmoid;
  spec.sparsity = SparsitySpec::parse("kl:0.05,0.5");
  spec.contractive = 0.1;
  spec.augment = AugmentSpec::parse("flip,shift:2");
  EXPECT_EQ(ModelSpec::from_json(spec.to_json()).to_json(), spec.to_json());
  EXPECT_FALSE(ModelSpec::from_json(old).augment.active());

  spec.code_activation = Activation::relu;
  EXPECT_THROW(spec.validate(), Error);  // kl needs sigmoid codes
}

TEST(Corruption, DrawsTheNamedNoise) {
  torch::manual_seed(1);
  torch::Tensor x = torch::rand({200, 784}) * 0.8 + 0.1;  // no exact 0 or 1
  torch::Tensor masked = corrupt(x, CorruptionSpec::parse("masking:0.3"));
  EXPECT_NEAR((masked == 0).to(torch::kFloat).mean().item<double>(), 0.3, 0.01);
  EXPECT_TRUE(torch::equal(masked.masked_select(masked != 0), x.masked_select(masked != 0)));
  torch::Tensor sp = corrupt(x, CorruptionSpec::parse("saltpepper:0.2"));
  EXPECT_NEAR((sp == 0).to(torch::kFloat).mean().item<double>(), 0.1, 0.01);
  EXPECT_NEAR((sp == 1).to(torch::kFloat).mean().item<double>(), 0.1, 0.01);
  EXPECT_NEAR((corrupt(x, CorruptionSpec::parse("gaussian:0.5")) - x).std().item<double>(), 0.5, 0.01);
  EXPECT_TRUE(torch::equal(corrupt(x, CorruptionSpec{}), x));
}

// Each row's draws come from the batch's key and the row's place: the same batch whatever the
// threads, and no row repeats another's noise.
TEST(Corruption, RowsDrawTheirOwnNoiseWhateverTheThreads) {
  const int threads = at::get_num_threads();
  torch::Tensor x = torch::full({300, 784}, 0.5);
  auto draw = [&](int with, const char* corruption) {
    at::set_num_threads(with);
    torch::manual_seed(4);
    return corrupt(x, CorruptionSpec::parse(corruption));
  };
  for (const char* corruption : {"masking:0.5", "gaussian:0.3", "saltpepper:0.5"}) {
    SCOPED_TRACE(corruption);
    torch::Tensor one = draw(1, corruption), two = draw(2, corruption);
    EXPECT_TRUE(torch::equal(one, two));
    for (int64_t r = 0; r + 1 < x.size(0); ++r) ASSERT_FALSE(torch::equal(one[r], one[r + 1])) << "row " << r;
    torch::manual_seed(5);
    EXPECT_FALSE(torch::equal(corrupt(x, CorruptionSpec::parse(corruption)), one)) << "another key";
  }
  at::set_num_threads(threads);
  torch::manual_seed(4);
  torch::Tensor noise = corrupt(x, CorruptionSpec::parse("gaussian:1")) - x;
  EXPECT_NEAR(noise.mean().item<double>(), 0.0, 0.01);
  EXPECT_NEAR(noise.std().item<double>(), 1.0, 0.01);
  // neighbouring pixels and neighbouring rows draw independently
  EXPECT_LT(std::abs((noise.narrow(1, 0, 783) * noise.narrow(1, 1, 783)).mean().item<double>()), 0.01);
  EXPECT_LT(std::abs((noise.narrow(0, 0, 299) * noise.narrow(0, 1, 299)).mean().item<double>()), 0.01);
  torch::Tensor kept = (corrupt(x, CorruptionSpec::parse("masking:0.5")) != 0).to(torch::kFloat);
  EXPECT_LT((kept.mean(0) - 0.5).abs().max().item<double>(), 0.15);  // every pixel: ±5σ of 300 rows
}

TEST(Augmentation, MirrorsMovesAndRecoloursWholeImages) {
  // 2×3×8 images whose every pixel is distinct: each output image must be the input mirrored,
  // moved (edges repeated) or recoloured per channel, and a second draw must differ.
  const std::vector<int64_t> shape = {2, 3, 8};
  torch::manual_seed(3);
  torch::Tensor x = torch::rand({64, 48}) * 0.6 + 0.2;
  auto images = [&](const torch::Tensor& t) { return t.view({-1, 2, 3, 8}); };
  torch::Tensor flipped = images(augment(x, AugmentSpec::parse("flip"), shape, true));
  int64_t mirrored = 0;
  for (int64_t i = 0; i < 64; ++i) {
    const bool same = torch::equal(flipped[i], images(x)[i]);
    EXPECT_TRUE(same || torch::equal(flipped[i], images(x)[i].flip({2}))) << i;
    mirrored += same ? 0 : 1;
  }
  EXPECT_GT(mirrored, 16);
  EXPECT_LT(mirrored, 48);
  torch::Tensor moved = images(augment(x, AugmentSpec::parse("shift:1"), shape, true));
  int64_t shifted = 0;
  for (int64_t i = 0; i < 64; ++i) {
    torch::Tensor padded = torch::replication_pad2d(images(x)[i].unsqueeze(0), {1, 1, 1, 1})[0];
    bool found = false;
    for (int64_t dy = 0; dy < 3 && !found; ++dy)
      for (int64_t dx = 0; dx < 3 && !found; ++dx)
        found = torch::equal(moved[i], padded.narrow(1, dy, 3).narrow(2, dx, 8));
    EXPECT_TRUE(found) << i;
    shifted += torch::equal(moved[i], images(x)[i]) ? 0 : 1;
  }
  EXPECT_GT(shifted, 40);  // 8 of 9 offsets move the picture
  torch::Tensor recoloured = images(augment(x, AugmentSpec::parse("color:0.1"), shape, true));
  for (int64_t i = 0; i < 8; ++i)
    for (int64_t c = 0; c < 2; ++c) {
      // Per channel: out = gain·in + offset, one line through all its pixels.
      torch::Tensor in = images(x)[i][c].flatten(), out = recoloured[i][c].flatten();
      const double gain = ((out[1] - out[0]) / (in[1] - in[0])).item<double>();
      EXPECT_NEAR(gain, 1.0, 0.1 + 1e-4);
      EXPECT_TRUE(torch::allclose(out, gain * (in - in[0]) + out[0], 1e-4, 1e-4));
    }
  EXPECT_FALSE(torch::equal(augment(x, AugmentSpec::parse("flip,shift:2"), shape, true),
                            augment(x, AugmentSpec::parse("flip,shift:2"), shape, true)));
  EXPECT_TRUE(torch::equal(augment(x, AugmentSpec{}, shape, true), x));
}

TEST(Jacobian, ClosedFormMatchesAutograd) {
  for (Activation activation : {Activation::sigmoid, Activation::tanh, Activation::relu, Activation::linear}) {
    torch::manual_seed(2);
    ModelSpec spec = mnist_spec({}, 24);
    spec.code_activation = activation;
    Autoencoder model(spec);
    model->to(torch::kFloat64);
    torch::Tensor x = torch::rand({6, 784}, torch::kFloat64).requires_grad_(true);
    torch::Tensor codes = model->encode(x);
    torch::Tensor closed = model->jacobian_sq(x, codes, true);
    torch::Tensor autograd = jacobian_sq_exact(x, codes);
    EXPECT_TRUE(torch::allclose(closed, autograd, 1e-5, 1e-8)) << name_of(activation) << "\n" << closed << autograd;
  }
}

TEST(Jacobian, EstimatorIsUnbiasedForDeeperEncoders) {
  torch::manual_seed(4);
  Autoencoder model(mnist_spec({64}, 16));
  torch::Tensor x = torch::rand({4, 784}).requires_grad_(true);
  torch::Tensor codes = model->encode(x);
  torch::Tensor exact = model->jacobian_sq(x, codes, true);
  torch::Tensor mean = torch::zeros_like(exact);
  const int probes = 400;
  for (int i = 0; i < probes; ++i) mean += model->jacobian_sq(x, codes, false).detach() / probes;
  EXPECT_TRUE(torch::allclose(mean, exact, 0.1)) << mean << exact;
}

TEST_F(Regularizers, DenoiserImprovesPsnrOverItsInput) {
  ModelSpec plain = mnist_spec({256}, 128);
  ModelSpec spec = plain;
  spec.corrupt = CorruptionSpec::parse("masking:0.5");
  auto psnr = [&](const ModelSpec& trained) {
    Autoencoder model = train(trained, 8);
    torch::manual_seed(0);  // the same noise for both models
    return denoising_metrics(model, test_set(), spec.corrupt);
  };
  nlohmann::json d = psnr(spec), p = psnr(plain);
  EXPECT_GT(d["psnr_denoised_db"].get<double>(), d["psnr_noisy_db"].get<double>() + 1) << d;
  EXPECT_GT(d["psnr_denoised_db"].get<double>(), p["psnr_denoised_db"].get<double>() + 1) << d << p;
}

TEST_F(Regularizers, SparsityPenaltiesLowerTheActiveFraction) {
  ModelSpec plain = mnist_spec({}, 64);
  plain.code_activation = Activation::relu;
  ModelSpec l1 = plain;
  l1.sparsity = SparsitySpec::parse("l1:0.05");
  ModelSpec sigmoid = mnist_spec({}, 64);
  sigmoid.code_activation = Activation::sigmoid;
  ModelSpec kl = sigmoid;
  kl.sparsity = SparsitySpec::parse("kl:0.005,5");
  auto active = [&](const ModelSpec& spec) {
    Autoencoder model = train(spec, 3);
    return code_metrics(model, test_set())["code_active_fraction"].get<double>();
  };
  double plain_relu = active(plain), with_l1 = active(l1);
  EXPECT_LT(with_l1, 0.5 * plain_relu) << plain_relu << " -> " << with_l1;
  double plain_sigmoid = active(sigmoid), with_kl = active(kl);
  EXPECT_LT(with_kl, 0.5 * plain_sigmoid) << plain_sigmoid << " -> " << with_kl;
}

TEST_F(Regularizers, ContractivePenaltyLowersJacobianNorm) {
  // One sigmoid layer (closed form) and a deeper encoder (estimator).
  for (std::vector<int64_t> layers : {std::vector<int64_t>{}, std::vector<int64_t>{64}}) {
    ModelSpec plain = mnist_spec(layers, 32);
    plain.code_activation = Activation::sigmoid;
    ModelSpec contractive = plain;
    contractive.contractive = 5;
    auto jacobian = [&](const ModelSpec& spec) {
      Autoencoder model = train(spec, 2);
      return code_metrics(model, test_set())["jacobian_fro"].get<double>();
    };
    double before = jacobian(plain), after = jacobian(contractive);
    EXPECT_LT(after, 0.7 * before) << layers.size() << " hidden layers: " << before << " -> " << after;
  }
}

// Through the dense passes (the default engine) and through autograd: the estimate's draws and
// the corruption's continue where the checkpoint left them.
TEST_F(Regularizers, ResumeWithNoiseAndEstimatorIsExact) {
  auto [train_set, val_set] = split_validation(mnist_slice("train", 600), 0.2);
  ModelSpec spec = mnist_spec({16}, 8);
  spec.corrupt = CorruptionSpec::parse("gaussian:0.3");
  spec.contractive = 0.01;
  TrainOptions options;
  options.epochs = 3;
  options.batch = 64;
  options.seed = 9;
  options.schedule = LrSchedule::constant;  // the same learning rates whether the run is cut or not
  for (bool autograd : {false, true}) {
    SCOPED_TRACE(autograd ? "autograd" : "dense passes");
    auto losses = [&](Trainer& trainer, std::vector<double>& out) {
      if (autograd) trainer.set_engine(std::make_unique<AutogradGradient>(trainer.model()));
      trainer.fit(train_set, val_set, [&](const EpochStats& s, bool) { out.push_back(s.train_loss); });
    };
    torch::manual_seed(5);
    options.epochs = 3;
    Trainer straight(Autoencoder(spec), options);
    std::vector<double> expected;
    losses(straight, expected);

    std::string ckpt = scratch_path("reg_resume.ckpt");
    torch::manual_seed(5);
    options.epochs = 1;
    Trainer first(Autoencoder(spec), options);
    first.set_checkpoint(ckpt, Normalization{}, {});
    std::vector<double> got;
    losses(first, got);
    Normalization norm;
    nlohmann::json meta;
    Trainer resumed = Trainer::resume(ckpt, norm, meta);
    resumed.mutable_options().epochs = 3;
    losses(resumed, got);
    EXPECT_EQ(got, expected);
    std::remove(ckpt.c_str());
  }
}

}  // namespace
}  // namespace latent
