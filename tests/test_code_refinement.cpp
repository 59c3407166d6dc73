// Codes refined through the decoder: never worse than the encoder's row by row, better overall,
// each row on its own, and refused where codes are not free numbers.
#include <gtest/gtest.h>

#include "fixtures.h"
#include "latent/base/error.h"
#include "latent/model/code_refinement.h"
#include "latent/model/evaluate.h"

namespace latent {
namespace {

using testing::mnist_slice;
using testing::mnist_spec;

Autoencoder trained_model(Activation code_activation = Activation::linear) {
  torch::manual_seed(1);
  TrainOptions options;
  options.epochs = 2;
  options.batch = 64;
  options.seed = 1;
  ModelSpec spec = mnist_spec({64}, 8);
  spec.code_activation = code_activation;
  Trainer trainer(Autoencoder(spec), options);
  trainer.fit(mnist_slice("train", 1000), Dataset{}, [](const EpochStats&, bool) {});
  return trainer.model();
}

torch::Tensor row_losses(Autoencoder& model, const torch::Tensor& codes, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  return model->row_losses(model->decode_logits(codes), x);
}

TEST(CodeRefinement, EveryRowReconstructsAtLeastAsWellAndMostBetter) {
  Autoencoder model = trained_model();
  model->eval();
  // Digits the model trained on the like of, and the same inverted: unlike anything it saw.
  const torch::Tensor digits = mnist_slice("test", 300).x;
  for (const torch::Tensor& x : {digits, 1 - digits}) {
    torch::Tensor encoded;
    {
      torch::NoGradGuard no_grad;
      encoded = model->encode(x);
    }
    EXPECT_TRUE(torch::equal(refine_codes(model, x, 0), encoded));
    const torch::Tensor refined = refine_codes(model, x, 30);
    const torch::Tensor before = row_losses(model, encoded, x), after = row_losses(model, refined, x);
    EXPECT_TRUE((after <= before).all().item<bool>());
    EXPECT_GT((after < before).to(torch::kFloat32).mean().item<double>(), 0.9);
    EXPECT_LT(after.mean().item<double>(), 0.95 * before.mean().item<double>());
    // Each row is refined on its own: the first 100 alone get the codes they get among 300 (which
    // go through in two blocks).
    EXPECT_TRUE(torch::allclose(refine_codes(model, x.slice(0, 0, 100), 30), refined.slice(0, 0, 100), 1e-4, 1e-5));
  }
  const Dataset test = mnist_slice("test", 300);
  const nlohmann::json plain = evaluate_reconstruction(model, test), refined = evaluate_reconstruction(model, test, 30);
  EXPECT_EQ(refined.at("refine_steps"), 30);
  EXPECT_FALSE(plain.contains("refine_steps"));
  EXPECT_LT(refined.at("sse_per_image").get<double>(), plain.at("sse_per_image").get<double>());
}

TEST(CodeRefinement, BoundedCodesStayInTheirActivationsRange) {
  for (Activation activation : {Activation::sigmoid, Activation::tanh}) {
    Autoencoder model = trained_model(activation);
    model->eval();
    const torch::Tensor x = 1 - mnist_slice("test", 300).x;  // inverted: pulls codes to the edges
    const torch::Tensor refined = refine_codes(model, x, 30);
    const double low = activation == Activation::sigmoid ? 0 : -1;
    EXPECT_GE(refined.min().item<double>(), low) << name_of(activation);
    EXPECT_LE(refined.max().item<double>(), 1) << name_of(activation);
    torch::Tensor encoded;
    {
      torch::NoGradGuard no_grad;
      encoded = model->encode(x);
    }
    EXPECT_LT(row_losses(model, refined, x).mean().item<double>(), row_losses(model, encoded, x).mean().item<double>())
        << name_of(activation);
  }
}

TEST(CodeRefinement, RefusesBinaryAndVariationalCodes) {
  for (ModelType type : {ModelType::binary, ModelType::vae}) {
    ModelSpec spec = mnist_spec({}, 8);
    spec.set_type(type, true);
    Autoencoder model(spec);
    EXPECT_THROW(refine_codes(model, torch::rand({4, 784}), 5), Error);
  }
}

TEST(CodeRefinement, RefusesNegativeSteps) {
  Autoencoder model(mnist_spec({}, 8));
  EXPECT_THROW(encode_all(model, torch::rand({4, 784}), -1), Error);
  EXPECT_THROW(evaluate_reconstruction(model, mnist_slice("test", 4), -1), Error);
}

}  // namespace
}  // namespace latent
