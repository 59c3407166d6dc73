// DenseGradient's hand-written passes give autograd's gradients for every activation, code
// activation and loss it accepts, and training through it lands on autograd's parameters.
#include <gtest/gtest.h>

#include "fixtures.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/runtime/threads.h"
#include "latent/train/classifier.h"
#include "latent/train/corruption.h"
#include "latent/train/data_parallel.h"
#include "latent/train/dense_gradient.h"
#include "latent/train/trainer.h"

namespace latent {
namespace {

using testing::mnist_slice;
using testing::mnist_spec;

class DenseGradientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_quiet(true);
    configure_threads(2);
  }
};

// Largest ||autograd − dense|| / ||autograd|| over the parameter gradients, and the two losses.
struct Comparison {
  double worst_relative = 0, autograd_loss = 0, dense_loss = 0;
};

Comparison compare(const ModelSpec& spec, const Dataset& data, int64_t rows, bool bf16_products = false) {
  torch::manual_seed(3);
  Autoencoder model(spec);
  torch::Tensor index = torch::randperm(data.size(), torch::kInt64).slice(0, 0, rows);
  torch::Tensor x = data.x.index_select(0, index);
  Comparison result;
  result.autograd_loss = model->objective(x, x).item<double>();
  model->zero_grad();
  model->objective(x, x).backward();
  std::vector<torch::Tensor> expected;
  for (auto& p : model->parameters()) expected.push_back(p.grad().clone());
  DenseGradient dense(model, bf16_products);
  result.dense_loss = dense.shard_gradients(data.x, index, rows);
  auto params = model->parameters();
  for (size_t i = 0; i < params.size(); ++i)
    result.worst_relative =
        std::max(result.worst_relative, ((params[i].grad() - expected[i]).norm() / expected[i].norm()).item<double>());
  return result;
}

TEST_F(DenseGradientTest, MatchesAutogradForEveryActivationAndLoss) {
  Dataset data = mnist_slice("train", 500);
  struct Case {
    Activation activation, code_activation;
    Output output;
    Loss loss;
  };
  using A = Activation;
  for (const Case& c : std::vector<Case>{{A::relu, A::linear, Output::sigmoid, Loss::bce},
                                         {A::sigmoid, A::sigmoid, Output::sigmoid, Loss::mse},
                                         {A::tanh, A::tanh, Output::sigmoid, Loss::bce},
                                         {A::selu, A::relu, Output::linear, Loss::mse}}) {
    ModelSpec spec = mnist_spec({48, 24}, 8);
    spec.activation = c.activation;
    spec.code_activation = c.code_activation;
    spec.output = c.output;
    spec.loss = c.loss;
    ASSERT_TRUE(DenseGradient::supports(spec));
    // 77 rows: shards of 38 and 39 on the two threads.
    Comparison result = compare(spec, data, 77);
    SCOPED_TRACE(name_of(c.activation) + "/" + name_of(c.code_activation) + "/" + name_of(c.output) + "/" +
                 name_of(c.loss));
    EXPECT_LT(result.worst_relative, 1e-5);
    EXPECT_NEAR(result.dense_loss, result.autograd_loss, 1e-6 * std::abs(result.autograd_loss));
  }
}

// Pre-activations far past ±88 (the inputs scaled 1000×): the sigmoids saturate to 0 and 1 as
// autograd's do. e^(−x) overflowed there, and under -ffast-math the infinity became a NaN.
TEST_F(DenseGradientTest, SaturatedSigmoidsStayFinite) {
  Dataset data = mnist_slice("train", 500);
  data.x = data.x * 1000;
  ModelSpec spec = mnist_spec({48}, 16);
  spec.activation = spec.code_activation = Activation::sigmoid;
  spec.output = Output::sigmoid;
  spec.loss = Loss::mse;
  Comparison result = compare(spec, data, 77);
  ASSERT_TRUE(std::isfinite(result.dense_loss));
  EXPECT_NEAR(result.dense_loss, result.autograd_loss, 1e-5 * std::abs(result.autograd_loss));  // squares of ~1e3
  EXPECT_LT(result.worst_relative, 1e-3);
}

// bf16 products: the products' inputs lose all but 8 bits of mantissa, so the gradients are
// near autograd's float ones, not equal (a product on the wrong operands would be far off).
TEST_F(DenseGradientTest, Bf16ProductsGiveGradientsNearFloat) {
  Dataset data = mnist_slice("train", 500);
  ModelSpec spec = mnist_spec({256, 64}, 32);
  spec.sparsity = SparsitySpec::parse("l1:0.01");
  Comparison result = compare(spec, data, 201, /*bf16_products=*/true);
  EXPECT_LT(result.worst_relative, 3e-2);  // 0.011 here
  EXPECT_GT(result.worst_relative, 1e-4) << "the products are not rounded to bf16";
  EXPECT_NEAR(result.dense_loss, result.autograd_loss, 5e-3 * std::abs(result.autograd_loss));
}

// A penalised model's gradients and loss against autograd's, and the penalty counted (the loss
// above that of the same model without it).
void expect_penalty_matches(const ModelSpec& spec, const ModelSpec& unpenalised, const Dataset& data) {
  ASSERT_TRUE(DenseGradient::supports(spec));
  Comparison result = compare(spec, data, 77);
  EXPECT_LT(result.worst_relative, 1e-5);
  EXPECT_NEAR(result.dense_loss, result.autograd_loss, 1e-6 * std::abs(result.autograd_loss));
  EXPECT_GT(result.autograd_loss, compare(unpenalised, data, 77).autograd_loss + 1e-3) << "the penalty counts";
}

// The L1 sparsity penalty on the codes, with each code activation (relu's exact zeros included).
TEST_F(DenseGradientTest, MatchesAutogradWithL1Sparsity) {
  Dataset data = mnist_slice("train", 500);
  for (Activation code : {Activation::sigmoid, Activation::relu, Activation::linear}) {
    ModelSpec spec = mnist_spec({48}, 24);
    spec.code_activation = code;
    ModelSpec unpenalised = spec;
    spec.sparsity = SparsitySpec::parse("l1:0.5");
    SCOPED_TRACE(name_of(code));
    expect_penalty_matches(spec, unpenalised, data);
  }
}

// The KL sparsity penalty needs each unit's mean over the whole batch: the shards (2 threads here)
// pool their sums before any backward pass.
TEST_F(DenseGradientTest, MatchesAutogradWithKlSparsity) {
  ModelSpec spec = mnist_spec({48}, 24);
  spec.code_activation = Activation::sigmoid;
  ModelSpec unpenalised = spec;
  spec.sparsity = SparsitySpec::parse("kl:0.05,3");
  expect_penalty_matches(spec, unpenalised, mnist_slice("train", 500));
}

// The closed-form contractive penalty of a one-layer encoder, for each code activation.
TEST_F(DenseGradientTest, MatchesAutogradWithContractivePenalty) {
  Dataset data = mnist_slice("train", 500);
  for (Activation code : {Activation::sigmoid, Activation::tanh, Activation::relu, Activation::linear}) {
    ModelSpec spec = mnist_spec({}, 40);
    spec.code_activation = code;
    ModelSpec unpenalised = spec;
    spec.contractive = 0.5;
    SCOPED_TRACE(name_of(code));
    expect_penalty_matches(spec, unpenalised, data);
  }
}

// The training objective (corruption and code noise drawn) through autograd and through the
// dense passes on the same rows (101, or 100 in pairs with the neighbour pull: row i and i + 50,
// on the other thread), each from generator seed 8: the same loss and gradients; from seed 9
// (other draws) other gradients. Returns the loss.
// The model of spec (from seed 3) at `epoch`, its 101 rows of data (100 with the neighbour pull)
// and its training objective on them, drawn from generator seed 8.
struct DrawnObjective {
  Autoencoder model;
  torch::Tensor index, loss;
};
DrawnObjective drawn_objective(const ModelSpec& spec, int epoch, const Dataset& data) {
  torch::manual_seed(3);
  Autoencoder model(spec);
  model->set_epoch(epoch);
  const bool pairs = spec.neighbour_pull > 0;
  torch::Tensor index = torch::randperm(data.size(), torch::kInt64).slice(0, 0, pairs ? 100 : 101);
  torch::manual_seed(8);
  torch::Tensor loss = training_objective(model, data.x.index_select(0, index), pairs);
  return {model, index, loss};
}

double expect_same_draws_match(const ModelSpec& spec, int epoch, const Dataset& data) {
  EXPECT_TRUE(DenseGradient::supports(spec));
  auto [model, index, loss] = drawn_objective(spec, epoch, data);
  const int64_t rows = index.size(0);
  loss.backward();
  std::vector<torch::Tensor> expected;
  for (auto& p : model->parameters()) expected.push_back(p.grad().clone());
  torch::manual_seed(8);
  DenseGradient dense(model);
  EXPECT_NEAR(dense.shard_gradients(data.x, index, rows), loss.item<double>(), 1e-6 * loss.item<double>());
  auto params = model->parameters();
  for (size_t i = 0; i < params.size(); ++i)
    EXPECT_LT(((params[i].grad() - expected[i]).norm() / expected[i].norm()).item<double>(), 1e-5) << i;
  torch::manual_seed(9);
  dense.shard_gradients(data.x, index, rows);
  EXPECT_GT((params[0].grad() - expected[0]).norm().item<double>(), 1e-3 * expected[0].norm().item<double>())
      << "other draws, other gradients";
  return loss.item<double>();
}

// Each thread corrupts its own rows, drawn from the batch's key and the row's place in the batch:
// the same inputs autograd's training objective corrupts from the same generator state.
TEST_F(DenseGradientTest, CorruptsAsAutogradDoes) {
  Dataset data = mnist_slice("train", 500);
  for (const char* corruption : {"masking:0.4", "gaussian:0.3", "saltpepper:0.2"}) {
    ModelSpec spec = mnist_spec({48}, 16);
    spec.corrupt = CorruptionSpec::parse(corruption);
    SCOPED_TRACE(corruption);
    expect_same_draws_match(spec, 1, data);
  }
}

// The variational head: ε from the same generator state as autograd's objective, the KL term at
// the epoch's warm-up weight, for both reconstruction likelihoods.
TEST_F(DenseGradientTest, MatchesAutogradForTheGaussianHead) {
  Dataset data = mnist_slice("train", 500);
  for (Loss loss : {Loss::bce, Loss::mse}) {
    ModelSpec spec = mnist_spec({48}, 12);
    spec.code_head = CodeHead::gaussian;
    spec.loss = loss;
    spec.beta = 2;
    spec.kl_warmup = 4;
    SCOPED_TRACE(name_of(loss));
    expect_same_draws_match(spec, 3, data);  // KL weight 2 · (3 − 1) / 4
  }
}

// The binary head: noisy sigmoid codes (the noise from the same generator state as autograd's
// objective, at the epoch's level), bit balance and decorrelation pooled over the shards.
TEST_F(DenseGradientTest, MatchesAutogradForTheBinaryHead) {
  Dataset data = mnist_slice("train", 500);
  ModelSpec unpenalised = mnist_spec({48}, 16);
  unpenalised.code_head = CodeHead::binary;
  unpenalised.noise_start = 0.5;
  unpenalised.noise_end = 3;
  unpenalised.noise_epochs = 5;
  const double plain = expect_same_draws_match(unpenalised, 2, data);
  for (double decorrelation : {0.0, 1.0}) {
    ModelSpec spec = unpenalised;
    spec.bit_balance = 0.7;
    spec.bit_decorrelation = decorrelation;
    SCOPED_TRACE(decorrelation);
    EXPECT_GT(expect_same_draws_match(spec, 2, data), plain + 1e-3) << "the penalty counts";
  }
}

// The hashing recipe's neighbour pull: rows i and i + rows/2 (an image and a pixel-space
// neighbour, paired by the trainer) pulled together, the pairs split over the two threads.
TEST_F(DenseGradientTest, MatchesAutogradWithTheNeighbourPull) {
  Dataset data = mnist_slice("train", 500);
  ModelSpec spec = mnist_spec({48}, 16);
  spec.code_head = CodeHead::binary;
  spec.bit_balance = 0.1;
  spec.bit_decorrelation = 1;
  ModelSpec unpulled = spec;
  spec.neighbour_pull = 5;
  EXPECT_GT(expect_same_draws_match(spec, 1, data), expect_same_draws_match(unpulled, 1, data) + 1e-3)
      << "the pull counts";
}

// A deeper encoder's contractive penalty is autograd's estimate ‖Jᵀv‖² with v of ±1 drawn from
// the generator: the same draws, the same loss and gradients, for each activation in the hidden
// layers and at the code, through two and three encoder layers, on corrupted inputs too.
TEST_F(DenseGradientTest, MatchesAutogradWithTheContractiveEstimate) {
  Dataset data = mnist_slice("train", 500);
  struct Case {
    std::vector<int64_t> layers;
    Activation hidden, code;
    const char* corrupt;
  };
  for (const Case& c : {Case{{48}, Activation::sigmoid, Activation::sigmoid, "none"},
                        Case{{48}, Activation::tanh, Activation::tanh, "none"},
                        Case{{48}, Activation::relu, Activation::linear, "masking:0.3"},
                        Case{{48, 32}, Activation::selu, Activation::relu, "none"},
                        Case{{48, 32}, Activation::sigmoid, Activation::tanh, "gaussian:0.2"}}) {
    ModelSpec spec = mnist_spec(c.layers, 16);
    spec.activation = c.hidden;
    spec.code_activation = c.code;
    spec.corrupt = CorruptionSpec::parse(c.corrupt);
    ModelSpec unpenalised = spec;
    spec.contractive = 0.5;
    SCOPED_TRACE(std::string(name_of(c.hidden)) + " " + name_of(c.code) + " " + c.corrupt);
    EXPECT_GT(expect_same_draws_match(spec, 1, data), drawn_objective(unpenalised, 1, data).loss.item<double>() + 1e-3)
        << "the penalty counts";
  }
}

TEST_F(DenseGradientTest, RefusesWhatItDoesNotCompute) {
  ModelSpec spec = mnist_spec({32}, 8);
  spec.arch = Arch::conv;
  spec.channels = {8};
  EXPECT_FALSE(DenseGradient::supports(spec));
  spec = mnist_spec({}, 8);
  spec.contractive = 0.1;  // a one-layer encoder has the closed form, a deeper one the estimate
  EXPECT_TRUE(DenseGradient::supports(spec));
  spec.layers = {32};
  EXPECT_TRUE(DenseGradient::supports(spec));
  // Settings a plain code head does not use leave the dense passes in charge.
  spec = mnist_spec({32}, 8);
  spec.beta = 3;
  spec.noise_end = 8;
  spec.corrupt = CorruptionSpec::parse("masking:0.3");
  EXPECT_TRUE(DenseGradient::supports(spec));
}

// A 784-64-16-784 trainer (or spec's) on the same weights each time, for 2 epochs of batch 100.
Trainer two_epoch_trainer(uint64_t seed, const ModelSpec& spec = mnist_spec({64}, 16)) {
  TrainOptions options;
  options.epochs = 2;
  options.batch = 100;
  options.seed = seed;
  torch::manual_seed(11);
  return Trainer(Autoencoder(spec), options);
}

// Two epochs through autograd and through the dense passes (data-parallel engine, 2 threads)
// land on the same parameters, for the plain model and the contractive estimate's.
void expect_trains_to_autograds_parameters(const ModelSpec& spec) {
  Dataset data = mnist_slice("train", 1000);
  auto fresh = [&] { return two_epoch_trainer(5, spec); };
  Trainer autograd = fresh();
  autograd.set_engine(std::make_unique<AutogradGradient>(autograd.model()));
  autograd.fit(data, Dataset{}, [](const EpochStats&, bool) {});
  Trainer dense = fresh();
  ParallelOptions parallel;
  ASSERT_TRUE(parallel.dense(dense.model()->spec()));
  dense.set_engine(std::make_unique<DataParallel>(dense.model(), parallel));
  dense.fit(data, Dataset{}, [](const EpochStats&, bool) {});
  EXPECT_NEAR(autograd.state().history.back().train_loss, dense.state().history.back().train_loss, 1e-5);
  EXPECT_LT(autograd.state().history.back().train_loss, autograd.state().history.front().train_loss);
  auto a = autograd.model()->parameters(), b = dense.model()->parameters();
  Trainer untrained = fresh();
  auto start = untrained.model()->parameters();
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_LT(((a[i] - b[i]).norm() / a[i].norm()).item<double>(), 1e-5);
    EXPECT_GT(((a[i] - start[i]).norm() / a[i].norm()).item<double>(), 1e-2);  // training moved them
  }
}

TEST_F(DenseGradientTest, TrainsToAutogradsParameters) { expect_trains_to_autograds_parameters(mnist_spec({64}, 16)); }

TEST_F(DenseGradientTest, TrainsTheContractiveEstimateToAutogradsParameters) {
  ModelSpec spec = mnist_spec({64}, 16);
  spec.code_activation = Activation::sigmoid;
  spec.contractive = 0.5;
  expect_trains_to_autograds_parameters(spec);
}

// The default engine (the dense passes) against --engine autograd, end to end.
TEST_F(DenseGradientTest, DefaultEngineMatchesAutograd) {
  Dataset data = mnist_slice("train", 1000);
  auto trained = [&](bool autograd) {
    Trainer trainer = two_epoch_trainer(3);
    ParallelOptions flags;  // what --engine sets
    flags.engine = autograd ? "autograd" : "auto";
    trainer.set_engine(make_gradient_engine(trainer.model(), flags));
    trainer.fit(data, Dataset{}, [](const EpochStats&, bool) {});
    return trainer.model()->parameters();
  };
  auto dense = trained(false), autograd = trained(true);
  ASSERT_EQ(dense.size(), autograd.size());
  for (size_t i = 0; i < dense.size(); ++i)
    EXPECT_LT(((dense[i] - autograd[i]).norm() / autograd[i].norm()).item<double>(), 1e-5) << "parameter " << i;
}

// A classifier on an encoder 784-48-16 (sigmoid or relu code) with a softmax layer of 10, its
// inputs masked: the dense passes against autograd's cross-entropy, from the same generator state.
// A frozen encoder: the same softmax layer's gradient, none for the encoder.
TEST_F(DenseGradientTest, MatchesAutogradForAClassifier) {
  Dataset data = mnist_slice("train", 500);
  for (Activation code : {Activation::sigmoid, Activation::relu}) {
    for (bool frozen : {false, true}) {
      ModelSpec spec = mnist_spec({48}, 16);
      spec.code_activation = code;
      spec.sparsity = SparsitySpec::parse("l1:0.5");  // an autoencoder's penalty: not the classifier's
      torch::manual_seed(3);
      Classifier model(Autoencoder(spec), 10);
      ClassifierSettings settings;
      settings.corrupt = CorruptionSpec::parse("masking:0.3");
      settings.freeze_encoder = frozen;
      settings.autograd = true;
      ClassifierNet autograd_net(model, settings);
      settings.autograd = false;
      ClassifierNet dense_net(model, settings);
      auto autograd = autograd_net.default_engine(), dense = dense_net.default_engine();
      ASSERT_NE(dynamic_cast<DenseGradient*>(dense.get()), nullptr);
      ASSERT_EQ(dynamic_cast<DenseGradient*>(autograd.get()), nullptr);
      SCOPED_TRACE(name_of(code) + (frozen ? ", frozen" : ""));
      torch::Tensor index = torch::randperm(data.size(), torch::kInt64).slice(0, 0, 101);
      torch::manual_seed(8);
      const double expected_loss = autograd->gradients(data.x, index, data.y);
      std::vector<torch::Tensor> expected;
      for (auto& p : dense_net.trained_parameters()) expected.push_back(p.grad().clone());
      for (auto& p : model->parameters())
        if (p.grad().defined()) p.mutable_grad().zero_();
      torch::manual_seed(8);
      EXPECT_NEAR(dense->gradients(data.x, index, data.y), expected_loss, 1e-6 * expected_loss);
      auto params = dense_net.trained_parameters();
      ASSERT_EQ(params.size(), frozen ? 2u : 6u);  // the softmax layer's weight and bias, then the encoder's
      for (size_t i = 0; i < params.size(); ++i)
        EXPECT_LT(((params[i].grad() - expected[i]).norm() / expected[i].norm()).item<double>(), 1e-5) << i;
      if (frozen) {
        EXPECT_EQ(model->body()->parameters()[0].grad().abs().sum().item<double>(), 0.0) << "the encoder is frozen";
      }
    }
  }
}

// Two epochs of a classifier through the dense passes land on autograd's weights.
TEST_F(DenseGradientTest, TrainsAClassifierToAutogradsParameters) {
  Dataset data = mnist_slice("train", 1000);
  auto trained = [&](bool autograd) {
    torch::manual_seed(11);
    Classifier model(Autoencoder(mnist_spec({64}, 16)), 10);
    ClassifierSettings settings;
    settings.corrupt = CorruptionSpec::parse("gaussian:0.2");
    settings.autograd = autograd;
    TrainOptions options;
    options.epochs = 2;
    options.batch = 100;
    options.seed = 5;
    Trainer trainer(std::make_shared<ClassifierNet>(model, settings), options);
    trainer.fit(data, Dataset{}, [](const EpochStats&, bool) {});
    EXPECT_LT(trainer.state().history.back().train_loss, trainer.state().history.front().train_loss);
    return model;
  };
  Classifier a = trained(true), b = trained(false);
  torch::manual_seed(11);
  Classifier start(Autoencoder(mnist_spec({64}, 16)), 10);
  auto pa = a->parameters(), pb = b->parameters(), p0 = start->parameters();
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_LT(((pa[i] - pb[i]).norm() / pa[i].norm()).item<double>(), 1e-5) << i;
    if (i < 4 || i >= pa.size() - 2) {  // the encoder and the softmax layer move; the decoder is not trained
      EXPECT_GT(((pa[i] - p0[i]).norm() / pa[i].norm()).item<double>(), 1e-2) << i;
    }
  }
}

// make_gradient_engine is the one place that picks how gradients are computed.
TEST_F(DenseGradientTest, OneFactoryPicksTheEngine) {
  ModelSpec plain = mnist_spec({32}, 8), vae = mnist_spec({32}, 8), binary = mnist_spec({32}, 8);
  vae.code_head = CodeHead::gaussian;
  binary.code_head = CodeHead::binary;
  ModelSpec pulled = binary, conv = mnist_spec({32}, 8);  // conv: not taken by the dense passes
  pulled.neighbour_pull = 1;
  ModelSpec binarized = vae, iwae = vae;  // the Trainer binarises; the IWAE bound is autograd's
  binarized.binarize = Binarize::dynamic;
  iwae.iw_train = 5;
  conv.arch = Arch::conv;
  conv.channels = {8};
  auto engine = [](const ModelSpec& spec, const ParallelOptions& flags) {
    return make_gradient_engine(Autoencoder(spec), flags);
  };
  ParallelOptions defaults, autograd, replicas, bf16;
  autograd.engine = "autograd";
  replicas.replicas = 2;
  bf16.precision = "bf16";
  EXPECT_NE(dynamic_cast<DenseGradient*>(engine(plain, defaults).get()), nullptr);
  EXPECT_NE(dynamic_cast<AutogradGradient*>(engine(plain, autograd).get()), nullptr);
  EXPECT_NE(dynamic_cast<DenseGradient*>(engine(vae, defaults).get()), nullptr);
  EXPECT_NE(dynamic_cast<DenseGradient*>(engine(binarized, defaults).get()), nullptr);
  EXPECT_EQ(dynamic_cast<DenseGradient*>(engine(iwae, defaults).get()), nullptr);
  EXPECT_NE(dynamic_cast<DenseGradient*>(engine(binary, defaults).get()), nullptr);
  EXPECT_NE(dynamic_cast<DenseGradient*>(engine(pulled, defaults).get()), nullptr);
  EXPECT_NE(dynamic_cast<AutogradGradient*>(engine(pulled, autograd).get()), nullptr);
  EXPECT_NE(dynamic_cast<AutogradGradient*>(engine(conv, defaults).get()), nullptr);
  EXPECT_NE(dynamic_cast<DataParallel*>(engine(plain, replicas).get()), nullptr);
  EXPECT_NE(dynamic_cast<DenseGradient*>(engine(plain, bf16).get()), nullptr);
  EXPECT_NE(dynamic_cast<DenseGradient*>(engine(vae, bf16).get()), nullptr);
  EXPECT_NE(dynamic_cast<DataParallel*>(engine(conv, bf16).get()), nullptr);
  EXPECT_THROW(engine(pulled, replicas), Error);  // the neighbour pull needs its pairs in one batch
}

}  // namespace
}  // namespace latent
