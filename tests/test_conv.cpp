// The convolutional encoder/decoder: shapes round-trip for any image size; tables are refused.
#include <gtest/gtest.h>

#include <cstdio>

#include "fixtures.h"
#include "latent/base/error.h"
#include "latent/eval/code_metrics.h"
#include "latent/model/autoencoder.h"
#include "latent/model/evaluate.h"
#include "latent/train/trainer.h"

namespace latent {
namespace {

using testing::mnist_slice;
using testing::mnist_spec;

TEST(Conv, ShapesRoundTrip) {
  for (std::vector<int64_t> shape : {std::vector<int64_t>{1, 28, 28}, {1, 13, 17}, {3, 8, 8}, {1, 5, 1}}) {
    ModelSpec spec = mnist_spec({}, 10);
    spec.input_shape = shape;
    spec.arch = Arch::conv;
    spec.channels = {4, 8, 8};
    torch::manual_seed(1);
    Autoencoder model(spec);
    torch::Tensor x = torch::rand({3, spec.input_size()});
    torch::Tensor codes = model->encode(x);
    EXPECT_EQ(codes.sizes(), (std::vector<int64_t>{3, 10}));
    EXPECT_EQ(model->decode(codes).sizes(), x.sizes());
  }
}

TEST(Conv, MnistModelWithHiddenLayerAndObjective) {
  ModelSpec spec = mnist_spec({64}, 16);
  spec.arch = Arch::conv;
  spec.channels = {8, 16};
  Autoencoder model(spec);
  EXPECT_EQ(spec.shape_string(), "784-conv8-conv16-64-16");
  Dataset data = mnist_slice("test", 20);
  torch::Tensor loss = model->objective(data.x, data.x);
  loss.backward();
  EXPECT_TRUE(std::isfinite(loss.item<double>()));
}

TEST(Conv, TrainsToReconstructFarBetterThanTheMeanImage) {
  ModelSpec spec = mnist_spec({}, 16);
  spec.arch = Arch::conv;
  spec.channels = {8, 16};
  const Dataset train = mnist_slice("train", 2000), test = mnist_slice("test", 300);
  torch::manual_seed(1);
  // A conv model sits at the mean image for its first ~150 steps (measured: 3 epochs at 1e-3 gave
  // 1.00x its error; 6 at 1e-2 0.65-0.71x over seeds 1-3).
  TrainOptions options;
  options.epochs = 6;
  options.batch = 64;
  options.lr = 1e-2;
  options.seed = 1;
  Trainer trainer(Autoencoder(spec), options);
  trainer.fit(train, Dataset{}, [](const EpochStats&, bool) {});
  const double sse = evaluate_reconstruction(trainer.model(), test)["sse_per_image"].get<double>();
  const double baseline = testing::mean_image_sse(train, test);
  std::printf("conv sse per image %.2f, mean image %.2f\n", sse, baseline);
  EXPECT_LT(sse, 0.8 * baseline);
}

TEST(Conv, JacobianNormIsTheMeanOverTheFirst64Images) {
  // One backward pass per code unit and image: a conv model's Jacobian norm is measured on its
  // first 64 images (a dense one's on up to 1,000).
  ModelSpec spec = mnist_spec({}, 6);
  spec.arch = Arch::conv;
  spec.channels = {4, 8};
  torch::manual_seed(2);
  Autoencoder model(spec);
  model->eval();
  const Dataset data = mnist_slice("test", 100);
  const nlohmann::json metrics = code_metrics(model, data);
  EXPECT_EQ(metrics["jacobian_n"], 64);
  torch::Tensor x = data.x.slice(0, 0, 64).detach().requires_grad_(true);
  const double expected = model->jacobian_sq(x, model->encode(x), /*exact=*/true).detach().sqrt().mean().item<double>();
  EXPECT_NEAR(metrics["jacobian_fro"].get<double>(), expected, 1e-4 * expected);
  Autoencoder dense(mnist_spec({}, 6));
  dense->eval();
  EXPECT_EQ(code_metrics(dense, data)["jacobian_n"], 100);
}

TEST(Conv, RefusesTabularData) {
  ModelSpec spec = mnist_spec({}, 4);
  spec.input_shape = {8};
  spec.arch = Arch::conv;
  try {
    spec.validate();
    FAIL() << "conv on a table must be refused";
  } catch (const SettingError& e) {
    EXPECT_EQ(e.setting, "arch");
    EXPECT_EQ(e.problem.rfind("conv needs image data", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace latent
