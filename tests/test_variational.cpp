// Variational autoencoder on real MNIST slices: the KL term, the bounds, reproducible
// generation, and samples that a classifier trained here recognises as digits.
#include <gtest/gtest.h>

#include <cstdio>

#include "fixtures.h"
#include "latent/apps/generate.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/eval/variational_eval.h"
#include "latent/model/code_head.h"
#include "latent/model/model_file.h"
#include "latent/runtime/threads.h"
#include "latent/train/trainer.h"

namespace latent {
namespace {

using testing::mnist_slice;
using testing::mnist_spec;
using testing::scratch_path;

ModelSpec vae_spec() {
  ModelSpec spec = mnist_spec({400}, 20);  // the pytorch/examples model
  spec.code_head = CodeHead::gaussian;
  return spec;
}

TrainOptions vae_options(int epochs) {
  TrainOptions options;
  options.epochs = epochs;
  options.lr = 1e-3;
  options.schedule = "constant";
  options.seed = 5;
  return options;
}

torch::nn::Sequential train_classifier(const Dataset& data) {
  torch::manual_seed(2);
  torch::nn::Sequential net(torch::nn::Linear(784, 256), torch::nn::ReLU(), torch::nn::Linear(256, 10));
  torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(1e-3));
  for (int epoch = 0; epoch < 10; ++epoch) {
    torch::Tensor order = torch::randperm(data.size(), torch::kInt64);
    for (int64_t start = 0; start < data.size(); start += 128) {
      torch::Tensor idx = order.slice(0, start, start + 128);
      adam.zero_grad();
      torch::Tensor loss =
          torch::cross_entropy_loss(net->forward(data.x.index_select(0, idx)), data.y.index_select(0, idx));
      loss.backward();
      adam.step();
    }
  }
  net->eval();
  return net;
}

/// The mechanics of generation need no training: a freshly initialised VAE.
Autoencoder untrained_vae() {
  torch::manual_seed(4);
  Autoencoder vae(vae_spec());
  vae->eval();
  return vae;
}

TEST(CodeHead, KlIsNonNegativeAndMatchesTheClosedForm) {
  torch::manual_seed(1);
  GaussianCode q{torch::randn({64, 8}), torch::randn({64, 8})};
  torch::Tensor kl = kl_to_prior(q);
  EXPECT_GE(kl.min().item<double>(), 0.0);
  // Per dimension: KL(N(m, s²) ‖ N(0, 1)) = −log s + (s² + m²)/2 − 1/2.
  torch::Tensor s = (0.5 * q.logvar).exp();
  torch::Tensor expected = (-s.log() + (s.pow(2) + q.mean.pow(2)) / 2 - 0.5).sum(1);
  EXPECT_TRUE(torch::allclose(kl, expected, 1e-4, 1e-4));
  EXPECT_EQ(kl_to_prior({torch::zeros({3, 5}), torch::zeros({3, 5})}).abs().max().item<double>(), 0.0);
  // And a Monte-Carlo estimate E_q[log q(z) − log p(z)] agrees with it.
  GaussianCode one{torch::tensor({{0.7f, -1.2f}}), torch::tensor({{-0.5f, 0.8f}})};
  GaussianCode many{one.mean.expand({200000, 2}), one.logvar.expand({200000, 2})};
  torch::Tensor z = sample_code(many);
  torch::Tensor log_q = -0.5 * ((z - many.mean).pow(2) / many.logvar.exp() + many.logvar).sum(1);
  torch::Tensor log_p = -0.5 * z.pow(2).sum(1);
  EXPECT_NEAR((log_q - log_p).mean().item<double>(), kl_to_prior(one).item<double>(), 0.02);
}

TEST(CodeHead, KlWarmupIsAFunctionOfTheEpoch) {
  ModelSpec spec = vae_spec();
  spec.beta = 2.0;
  spec.kl_warmup = 4;
  EXPECT_EQ(kl_weight(spec, 1), 0.0);
  EXPECT_EQ(kl_weight(spec, 3), 1.0);
  EXPECT_EQ(kl_weight(spec, 5), 2.0);
  EXPECT_EQ(kl_weight(spec, 50), 2.0);
  EXPECT_EQ(kl_weight(spec, 0), 2.0);  // evaluation: the full weight
}

TEST(CodeHead, SpecsWithoutTheNewFieldsLoadAsPlainAutoencoders) {
  nlohmann::json old = mnist_spec({64}, 16).to_json();
  old.erase("code_head");
  old.erase("beta");
  old.erase("kl_warmup");
  ModelSpec spec = ModelSpec::from_json(old);
  EXPECT_EQ(spec.code_head, CodeHead::plain);
  ModelSpec bad = vae_spec();
  bad.code_activation = Activation::relu;
  EXPECT_THROW(bad.validate(), Error);
}

TEST(Variational, SaveLoadKeepsTheGaussianHead) {
  Autoencoder vae = untrained_vae();
  Dataset test = mnist_slice("test", 20);
  std::string path = scratch_path("vae.model");
  save_model(path, vae, Normalization{}, {});
  LoadedModel loaded = load_model(path);
  std::remove(path.c_str());
  EXPECT_EQ(loaded.model->spec().code_head, CodeHead::gaussian);
  torch::NoGradGuard no_grad;
  loaded.model->eval();
  EXPECT_TRUE(torch::equal(loaded.model->encode(test.x), vae->encode(test.x)));
  EXPECT_EQ(vae->encode(test.x).size(1), 20);
}

TEST(Generation, SameSeedGivesBitIdenticalSamples) {
  Autoencoder vae = untrained_vae();
  torch::Tensor a = sample_prior(vae, 16, 3);
  EXPECT_TRUE(torch::equal(a, sample_prior(vae, 16, 3)));
  EXPECT_FALSE(torch::equal(a, sample_prior(vae, 16, 4)));
  torch::Tensor x = mnist_slice("test", 1).x;
  EXPECT_TRUE(torch::equal(sample_variations(vae, x, 8, 1.0, 3), sample_variations(vae, x, 8, 1.0, 3)));
}

TEST(Generation, VariationAtSpreadZeroIsTheReconstruction) {
  Autoencoder vae = untrained_vae();
  torch::Tensor x = mnist_slice("test", 4).x.slice(0, 3, 4);
  torch::NoGradGuard no_grad;
  torch::Tensor v = sample_variations(vae, x, 4, 0.0, 1);
  // Bit for bit against the same decoder batch shape; GEMM results may differ in the last bit
  // between batch sizes.
  EXPECT_TRUE(torch::equal(v, vae->decode(vae->encode(x).expand({4, -1}))));
  EXPECT_TRUE(torch::allclose(v[0], vae->decode(vae->encode(x))[0], 1e-6, 1e-6));
}

TEST(Generation, InterpolationStartsAndEndsAtTheReconstructions) {
  Autoencoder vae = untrained_vae();
  Dataset test = mnist_slice("test", 2);
  torch::Tensor a = test.x.slice(0, 0, 1), b = test.x.slice(0, 1, 2);
  torch::Tensor walk = interpolate(vae, a, b, 6);
  ASSERT_EQ(walk.size(0), 6);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(walk[0], vae->decode(vae->encode(a))[0], 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(walk[5], vae->decode(vae->encode(b))[0], 1e-5, 1e-5));
}

TEST(Generation, PlainAutoencodersHaveNoPrior) {
  torch::manual_seed(1);
  Autoencoder plain(mnist_spec({32}, 8));
  EXPECT_THROW(sample_prior(plain, 4, 0), Error);
}

// ctest runs every test in its own process and training dominates this suite's time, so one
// test trains the pytorch/examples VAE (20,000 images, 10 epochs) and a small dense digit
// classifier once, and checks everything that needs them.
TEST(VariationalMnist, TrainingImprovesTheBoundsAndSamplesLookLikeDigits) {
  set_quiet(true);
  configure_threads(0);
  Dataset train = mnist_slice("train", 20000), test = mnist_slice("test", 500);
  Autoencoder vae = untrained_vae();
  torch::manual_seed(9);
  const double untrained = negative_elbo(vae, test.x).mean().item<double>();
  Trainer trainer(vae, vae_options(10));
  trainer.fit(train, Dataset{}, [](const EpochStats&, bool) {});
  {
    SCOPED_TRACE("the ELBO improves; importance sampling gives a tighter bound");
    torch::manual_seed(9);
    double neg_elbo = negative_elbo(vae, test.x).mean().item<double>();
    EXPECT_LT(neg_elbo, 0.35 * untrained) << "untrained " << untrained;
    EXPECT_LT(neg_elbo, 130.0);
    double nll = importance_sampled_nll(vae, test.x, 200).mean().item<double>();
    EXPECT_LE(nll, neg_elbo);
    EXPECT_GT(nll, neg_elbo - 15) << "the IS gain over the ELBO is a few nats, not more";
  }
  torch::nn::Sequential classifier = train_classifier(train);
  auto classify = [&](const torch::Tensor& images) {
    torch::NoGradGuard no_grad;
    return torch::softmax(classifier->forward(images), 1);
  };
  // The yardstick itself: the classifier should be well above 90% on the test slice.
  ASSERT_GE(classify(test.x).argmax(1).eq(test.y).to(torch::kFloat).mean().item<double>(), 0.9);
  {
    SCOPED_TRACE("1,000 prior samples are confidently classified and cover all ten digits");
    auto [top, label] = classify(sample_prior(vae, 1000, 0)).max(1);
    // The bench asks 0.8 of the full model (60k images); this one sees a third of the data.
    EXPECT_GE(top.mean().item<double>(), 0.7);
    torch::Tensor counts = torch::bincount(label, {}, 10);
    for (int64_t d = 0; d < 10; ++d) EXPECT_GE(counts[d].item<int64_t>(), 30) << "digit " << d;
  }
  {
    SCOPED_TRACE("variations keep the digit and differ from each other");
    int kept = 0;
    for (int64_t i = 0; i < 10; ++i) {
      torch::Tensor v = sample_variations(vae, test.x.slice(0, i, i + 1), 16, 1.0, i);
      kept += classify(v).argmax(1).eq(test.y[i]).sum().item<int>();
      for (int64_t a = 0; a < 16; ++a)
        for (int64_t b = a + 1; b < 16; ++b) EXPECT_FALSE(torch::equal(v[a], v[b]));
    }
    EXPECT_GE(kept / 160.0, 0.8);
  }
}

}  // namespace
}  // namespace latent
