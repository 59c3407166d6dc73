// Stacked autoencoders, classifiers from encoders, codes as features: on small real MNIST slices.
#include <gtest/gtest.h>

#include <cstdio>

#include <filesystem>

#include "fixtures.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/eval/code_features.h"
#include "latent/model/evaluate.h"
#include "latent/model/model_file.h"
#include "latent/train/classifier.h"
#include "latent/train/stacked.h"

namespace latent {
namespace {

TrainOptions quick(int epochs) {
  TrainOptions o;
  o.epochs = epochs;
  o.batch = 64;
  o.lr = 3e-3;
  return o;
}

TEST(Stacked, PretrainingLowersEachLayersReconstructionLoss) {
  set_quiet(true);
  Dataset train = testing::mnist_slice("train", 2000);
  ModelSpec deep = testing::mnist_spec({64}, 16);
  PretrainReport report;
  // Fewer steps or a lower rate leave the unrolled stack at the mean image (measured: 4 epochs of
  // 1,000 images at 3e-3 gave 1.06x its error, 6 of 2,000 at 1e-2 0.63x).
  TrainOptions options = quick(6);
  options.lr = 1e-2;
  Autoencoder stack = pretrain_stack(
      deep, train, Dataset{}, options, CorruptionSpec::parse("masking:0.2"), [](size_t, const EpochStats&) {}, &report);
  ASSERT_EQ(report.layers.size(), 2u);
  for (const auto& history : report.layers) {
    ASSERT_EQ(history.size(), 6u);
    EXPECT_LT(history.back().train_loss, 0.9 * history.front().train_loss);
  }
  // The unrolled stack, before any fine-tuning, reconstructs much better than the mean image.
  Dataset test = testing::mnist_slice("test", 300);
  const double sse = evaluate_reconstruction(stack, test)["sse_per_image"].get<double>();
  const double baseline = testing::mean_image_sse(train, test);
  std::printf("unrolled stack sse per image %.2f, mean image %.2f\n", sse, baseline);
  EXPECT_LT(sse, 0.8 * baseline);
}

TEST(Stacked, UnrolledWeightsEqualThePretrainedLayers) {
  ModelSpec deep = testing::mnist_spec({48, 24}, 8);
  Autoencoder unrolled(deep);
  std::vector<Autoencoder> layers;
  for (size_t k = 0; k < stack_depth(deep); ++k) {
    torch::manual_seed(100 + k);
    layers.emplace_back(layer_spec(deep, k, CorruptionSpec{}));
    unroll_layer(unrolled, layers.back(), k);
  }
  auto enc = encoder_linears(unrolled), dec = decoder_linears(unrolled);
  ASSERT_EQ(enc.size(), 3u);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_TRUE(torch::equal(enc[k]->weight, encoder_linears(layers[k])[0]->weight));
    EXPECT_TRUE(torch::equal(enc[k]->bias, encoder_linears(layers[k])[0]->bias));
    EXPECT_TRUE(torch::equal(dec[2 - k]->weight, decoder_linears(layers[k])[0]->weight));
    EXPECT_TRUE(torch::equal(dec[2 - k]->bias, decoder_linears(layers[k])[0]->bias));
  }
  // And the deep encoder is the layers' encoders composed.
  torch::NoGradGuard no_grad;
  torch::Tensor x = testing::mnist_slice("test", 20).x;
  torch::Tensor composed = layers[2]->encode(layers[1]->encode(layers[0]->encode(x)));
  EXPECT_TRUE(torch::allclose(unrolled->encode(x), composed, 1e-5, 1e-6));
}

TEST(Stacked, LayerSpecsChainWidthsAndLosses) {
  ModelSpec deep = testing::mnist_spec({100, 50}, 10);
  ModelSpec first = layer_spec(deep, 0, CorruptionSpec{}), middle = layer_spec(deep, 1, CorruptionSpec{}),
            top = layer_spec(deep, 2, CorruptionSpec{});
  EXPECT_EQ(first.input_size(), 784);
  EXPECT_EQ(first.latent, 100);
  EXPECT_EQ(first.loss, Loss::bce);
  EXPECT_EQ(middle.input_size(), 100);
  EXPECT_EQ(middle.latent, 50);
  EXPECT_EQ(middle.loss, Loss::mse);  // relu activations are not in [0, 1]
  EXPECT_EQ(middle.code_activation, Activation::relu);
  EXPECT_EQ(top.code_activation, Activation::linear);
  deep.activation = Activation::sigmoid;
  EXPECT_EQ(layer_spec(deep, 1, CorruptionSpec{}).loss, Loss::bce);
  EXPECT_THROW(layer_spec(deep, 3, CorruptionSpec{}), Error);
}

TEST(Classifier, FromAPretrainedEncoderTrainsAndRoundTrips) {
  set_quiet(true);
  Dataset train = testing::mnist_slice("train", 1000), test = testing::mnist_slice("test", 500);
  Autoencoder stack = pretrain_stack(testing::mnist_spec({128}, 64), train, Dataset{}, quick(3), CorruptionSpec{},
                                     [](size_t, const EpochStats&) {});
  Classifier model(stack, 10);
  double untrained = evaluate_classifier(model, test)["accuracy"].get<double>();
  TrainOptions options;
  options.epochs = 15;
  options.batch = 64;
  options.lr = 3e-3;
  std::vector<double> losses;
  Trainer trainer(std::make_shared<ClassifierNet>(model, ClassifierSettings{}), options);
  trainer.fit(train, Dataset{}, [&](const EpochStats& stats, bool) { losses.push_back(stats.train_loss); });
  EXPECT_LT(losses.back(), 0.5 * losses.front());
  nlohmann::json report = evaluate_classifier(model, test);
  EXPECT_GT(report["accuracy"].get<double>(), 0.8);
  EXPECT_GT(report["accuracy"].get<double>(), untrained + 0.3);
  EXPECT_NEAR(report["error_rate"].get<double>(), 1 - report["accuracy"].get<double>(), 1e-12);
  int64_t total = 0, diagonal = 0;
  for (size_t r = 0; r < 10; ++r)
    for (size_t c = 0; c < 10; ++c) {
      total += report["confusion"][r][c].get<int64_t>();
      if (r == c) diagonal += report["confusion"][r][c].get<int64_t>();
    }
  EXPECT_EQ(total, 500);
  EXPECT_NEAR(static_cast<double>(diagonal) / 500, report["accuracy"].get<double>(), 1e-12);

  std::string path = testing::scratch_path("clf.model");
  save_classifier(path, model, Normalization::fit(load_raw("mnist", "train", 10)), {{"note", "test"}});
  LoadedClassifier loaded = load_classifier(path);
  EXPECT_TRUE(torch::equal(predict_classes(loaded.model, test.x), predict_classes(model, test.x)));
  EXPECT_THROW(load_model(path), Error);  // a classifier is not an autoencoder file
  std::filesystem::remove(path);
}

TEST(Classifier, FrozenEncoderKeepsItsWeights) {
  set_quiet(true);
  Dataset train = testing::mnist_slice("train", 300);
  torch::manual_seed(3);
  Autoencoder body(testing::mnist_spec({32}, 16));
  torch::Tensor before = encoder_linears(body)[0]->weight.clone();
  Classifier model(body, 10);
  TrainOptions options;
  options.epochs = 2;
  ClassifierSettings frozen;
  frozen.freeze_encoder = true;
  torch::Tensor head_before = model->head()->weight.clone();
  Trainer trainer(std::make_shared<ClassifierNet>(model, frozen), options);
  trainer.fit(train, Dataset{}, [](const EpochStats&, bool) {});
  EXPECT_TRUE(torch::equal(encoder_linears(body)[0]->weight, before));
  EXPECT_FALSE(torch::equal(model->head()->weight, head_before));
}

// The classifier trains through the Trainer's loop: validated on held-out labelled rows,
// checkpointed, and a run killed in epoch 3 resumes to the same weights and losses.
TEST(Classifier, ValidatesAndResumesExactlyThroughTheTrainer) {
  set_quiet(true);
  auto [train, val] = split_validation(testing::mnist_slice("train", 600), 0.2);
  ClassifierSettings settings;
  settings.corrupt = CorruptionSpec::parse("masking:0.2");  // draws that a resume must replay
  TrainOptions options;
  options.epochs = 4;
  options.batch = 32;
  options.seed = 7;
  auto fresh = [&] {
    torch::manual_seed(2);
    Classifier model(Autoencoder(testing::mnist_spec({32}, 16)), 10);
    return Trainer(std::make_shared<ClassifierNet>(model, settings), options);
  };
  auto classifier_of = [](Trainer& t) { return dynamic_cast<ClassifierNet&>(t.net()).classifier(); };
  Trainer straight = fresh();
  std::vector<EpochStats> expected;
  straight.fit(train, val, [&](const EpochStats& s, bool) { expected.push_back(s); });
  ASSERT_EQ(expected.size(), 4u);
  for (const EpochStats& s : expected) EXPECT_TRUE(std::isfinite(s.val_loss));
  EXPECT_LT(expected.back().val_loss, expected.front().val_loss);

  const std::string ckpt = testing::scratch_path("classifier.ckpt");
  Trainer killed = fresh();
  std::vector<double> losses = testing::fit_until_killed(killed, ckpt, train, val, 3, {{"classes", 10}});
  Normalization norm;
  nlohmann::json meta;
  Trainer resumed = Trainer::resume(ckpt, norm, meta);
  ASSERT_NE(dynamic_cast<ClassifierNet*>(&resumed.net()), nullptr) << "a classifier's checkpoint resumes a classifier";
  EXPECT_EQ(resumed.state().epochs_done, 2);
  EXPECT_EQ(dynamic_cast<ClassifierNet&>(resumed.net()).settings().corrupt.str(), "masking:0.2");
  resumed.fit(train, val, [&](const EpochStats& s, bool) { losses.push_back(s.val_loss); });
  ASSERT_EQ(losses.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(losses[i], expected[i].val_loss) << "epoch " << i + 1;
  auto a = classifier_of(straight)->parameters(), b = classifier_of(resumed)->parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i]));
  std::filesystem::remove(ckpt);
}

TEST(Classifier, NeedsLabels) {
  set_quiet(true);
  Dataset train = testing::mnist_slice("train", 100);
  train.y = torch::Tensor();
  Trainer trainer(
      std::make_shared<ClassifierNet>(Classifier(Autoencoder(testing::mnist_spec({}, 8)), 10), ClassifierSettings{}),
      TrainOptions{});
  EXPECT_THROW(trainer.fit(train, Dataset{}, [](const EpochStats&, bool) {}), Error);
}

TEST(Classifier, BalancedSubsetHasEqualClasses) {
  Dataset train = testing::mnist_slice("train", 2000);
  Dataset subset = balanced_subset(train, 100, 10, 5);
  ASSERT_EQ(subset.size(), 100);
  torch::Tensor counts = torch::bincount(subset.y, {}, 10);
  EXPECT_TRUE(torch::equal(counts, torch::full({10}, 10, torch::kInt64)));
  EXPECT_THROW(balanced_subset(train, 5, 10, 5), Error);
  EXPECT_THROW(balanced_subset(testing::mnist_slice("train", 30), 1000, 10, 5), Error);
}

TEST(CodeFeatures, PcaAndKnnOnMnist) {
  Dataset train = testing::mnist_slice("train", 2000), test = testing::mnist_slice("test", 300);
  Pca pca = fit_pca(train.x, 10);
  ASSERT_EQ(pca.components.size(0), 784);
  ASSERT_EQ(pca.components.size(1), 10);
  for (int i = 0; i + 1 < 10; ++i) EXPECT_GE(pca.variance[i].item<float>(), pca.variance[i + 1].item<float>());
  // Orthonormal components; the projection has the variances the eigenvalues promise.
  EXPECT_TRUE(torch::allclose(pca.components.t().matmul(pca.components), torch::eye(10), 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(pca.transform(train.x).var(0), pca.variance, 1e-3, 1e-3));
  // Each train sample is its own nearest neighbour.
  EXPECT_DOUBLE_EQ(knn_accuracy(train.x, train.y, train.x, train.y, 1), 1.0);
  double raw = knn_accuracy(train.x, train.y, test.x, test.y, 5);
  EXPECT_GT(raw, 0.85);
  EXPECT_GT(knn_accuracy(pca.transform(train.x), train.y, pca.transform(test.x), test.y, 5), 0.75);
  EXPECT_THROW(knn_accuracy(train.x, train.y, test.x, test.y, 0), Error);
}

}  // namespace
}  // namespace latent
