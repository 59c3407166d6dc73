// A model of a table of numbers and words with missing cells: its error counts observed cells
// only, it trains on such a table, and its detector names the column a planted anomaly changed.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>

#include "fixtures.h"
#include "latent/apps/anomaly.h"
#include "latent/base/progress.h"
#include "latent/model/table_loss.h"
#include "latent/runtime/threads.h"
#include "latent/train/trainer.h"

namespace latent {
namespace {

TEST(TableErrors, CountObservedCellsOnly) {
  ModelSpec spec;
  spec.input_shape = {5};
  spec.output = Output::table;
  spec.loss = Loss::mse;
  spec.table_blocks = {3};
  const float nan = NAN;
  torch::Tensor logits = torch::tensor({{1.0f, 2.0f, 0.0f, 1.0f, 2.0f}, {0.5f, -1.0f, 3.0f, 0.0f, 0.0f}});
  torch::Tensor x = torch::tensor({{0.0f, nan, 0.0f, 0.0f, 1.0f}, {nan, 1.0f, nan, nan, nan}});
  torch::Tensor errors = table_errors(spec, logits, x);
  ASSERT_EQ(errors.sizes(), (std::vector<int64_t>{2, 3}));
  const double log_sum = std::log(std::exp(0.0) + std::exp(1.0) + std::exp(2.0));
  EXPECT_FLOAT_EQ(errors[0][0].item<float>(), 1.0f);              // (1 - 0)^2
  EXPECT_FLOAT_EQ(errors[0][1].item<float>(), 0.0f);              // missing
  EXPECT_NEAR(errors[0][2].item<double>(), log_sum - 2.0, 1e-5);  // -log softmax of the level set
  EXPECT_FLOAT_EQ(errors[1][0].item<float>(), 0.0f);              // missing
  EXPECT_FLOAT_EQ(errors[1][1].item<float>(), 4.0f);              // (-1 - 1)^2
  EXPECT_FLOAT_EQ(errors[1][2].item<float>(), 0.0f);              // a missing word
  // The input the encoder sees has 0 in every missing cell; the outputs are a softmax per block.
  EXPECT_EQ(observed_input(x)[1].sum().item<float>(), 1.0f);
  EXPECT_NEAR(table_outputs(spec, logits)[1].narrow(0, 2, 3).sum().item<float>(), 1.0f, 1e-6);
}

/// Rows of a table: a, b = 2a + noise, c = "high" when a > 0 else "low"; 5% of a and b empty.
std::string table_csv(int64_t rows, uint64_t seed) {
  std::mt19937 rng(static_cast<unsigned>(seed));
  std::normal_distribution<float> normal;
  std::bernoulli_distribution empty(0.05);
  std::ostringstream csv;
  csv << "a,b,c\n";
  for (int64_t i = 0; i < rows; ++i) {
    const float a = normal(rng), b = 2 * a + 0.1f * normal(rng);
    csv << (empty(rng) ? "" : std::to_string(a)) << "," << (empty(rng) ? "" : std::to_string(b)) << ","
        << (a > 0 ? "high" : "low") << "\n";
  }
  return csv.str();
}

TEST(TableModel, TrainsWithGapsAndExplainsABrokenColumn) {
  set_quiet(true);
  configure_threads(0);
  RawData raw = parse_csv(table_csv(2000, 1), "t.csv", CsvOptions{});
  const Normalization norm = Normalization::fit(raw);
  ASSERT_TRUE(norm.table);
  ModelSpec spec;
  spec.input_shape = {norm.table->width()};
  spec.layers = {16};
  spec.latent = 1;
  spec.output = Output::table;
  spec.loss = Loss::mse;
  spec.table_blocks = norm.table->block_widths();
  torch::manual_seed(1);
  TrainOptions options;
  options.epochs = 30;
  options.batch = 64;
  options.seed = 1;
  Trainer trainer(Autoencoder(spec), options);
  trainer.fit(make_dataset(raw, norm), Dataset{}, [](const EpochStats&, bool) {});
  EXPECT_TRUE(std::isfinite(trainer.state().history.back().train_loss));
  const std::string path = testing::scratch_path("table.model");
  save_model(path, trainer.model(), norm, {});
  Detector detector = fit_detector(ModelFile::read(path), make_dataset(raw, norm).x, "sse", "quantile:0.99");

  // b broken (it should be about 2a), c contradicting a, then a normal row and one with b missing.
  RawData rows = parse_csv("a,b,c\n1,-2,high\n1.5,3,low\n1,2,high\n1,,high\n", "q.csv", CsvOptions{});
  const torch::Tensor x = make_dataset(rows, norm).x;
  const std::vector<double> scores = anomaly_scores(detector, x);
  const auto shares = explain_scores(detector, x, 1);
  EXPECT_GT(scores[0], detector.threshold);
  EXPECT_GT(scores[1], detector.threshold);
  EXPECT_LT(scores[2], detector.threshold);
  EXPECT_LT(scores[3], detector.threshold);  // the missing b adds nothing
  EXPECT_TRUE(shares[0][0].column == "b" || shares[0][0].column == "a") << shares[0][0].column;
  EXPECT_EQ(shares[1][0].column, "c");
  for (const auto& row : shares) EXPECT_GT(row[0].share, 0.3);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace latent
