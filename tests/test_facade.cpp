// The facade, linked as a program outside latent would link it: liblatent.so and latent/latent.h
// only (no LibTorch header). Two clusters of rows in 6 numbers, and rows far from both.
#include "latent/latent.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>

#include "scratch_path.h"

namespace latent::api {
namespace {

constexpr int64_t kCols = 6;

// n rows near the centres +-1 (row r in cluster r % 2), or `far` away from both.
Matrix rows(int64_t n, uint64_t seed, float far = 0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(0, 0.1f);
  Matrix m{n, kCols, {}};
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < kCols; ++c)
      m.values.push_back((r % 2 ? 1.f : -1.f) * (c % 2 ? 1.f : 0.5f) + far + noise(rng));
  return m;
}

const Model& trained() {
  static const Model model = [] {
    set_threads(1);
    TrainOptions options;
    options.layers = {16};
    options.code_size = 2;
    options.epochs = 40;
    options.batch = 32;
    options.seed = 3;
    return Model::train(rows(400, 1).view(), options);
  }();
  return model;
}

double mean_squared_error(const Matrix& a, const Matrix& b) {
  double sum = 0;
  for (size_t i = 0; i < a.values.size(); ++i) sum += std::pow(a.values[i] - b.values[i], 2);
  return sum / static_cast<double>(a.values.size());
}

TEST(Facade, TrainsEncodesAndReconstructsInTheDataScale) {
  const Model& model = trained();
  EXPECT_EQ(model.input_size(), kCols);
  EXPECT_EQ(model.code_size(), 2);
  EXPECT_EQ(model.code_kind(), CodeKind::numbers);
  const Matrix x = rows(100, 2);
  const Matrix codes = model.encode(x.view());
  EXPECT_EQ(codes.rows, 100);
  EXPECT_EQ(codes.cols, 2);
  const Matrix back = model.reconstruct(x.view());
  ASSERT_EQ(back.cols, kCols);
  // Two clusters 1-2 apart on each column: reconstructions land on the right one, in the data's
  // own scale (the model's standardising is undone).
  EXPECT_LT(mean_squared_error(back, x), 0.05);
  const Matrix decoded = model.decode(codes.view());
  EXPECT_LT(mean_squared_error(decoded, back), 1e-10);
  const std::string path = testing::scratch_path("facade.model");
  model.save(path);
  const Model again = Model::load(path);
  EXPECT_EQ(again.encode(x.view()).values, codes.values);
  std::filesystem::remove(path);
}

TEST(Facade, IndexesTakeWritesAndFindTheNearest) {
  const Model& model = trained();
  const std::string path = testing::scratch_path("facade.index");
  std::filesystem::remove(path);
  Index index = Index::create(path, model);
  const Matrix x = rows(20, 4);
  std::vector<std::string> ids;
  for (int r = 0; r < 20; ++r) ids.push_back("row-" + std::to_string(r));
  const Matrix codes = model.encode(x.view());
  index.add(ids, codes.view());
  EXPECT_EQ(index.size(), 20);
  const auto hits = index.search(codes.view(), 3);
  ASSERT_EQ(hits.size(), 20u);
  EXPECT_EQ(hits[7].front().id, "row-7");
  EXPECT_DOUBLE_EQ(hits[7].front().similarity, 100);
  EXPECT_EQ(index.remove({"row-7", "no-such-row"}), 1);
  EXPECT_EQ(Index::open(path).size(), 19);  // on disk when remove() returned
  EXPECT_NE(index.search(codes.view(), 1)[7].front().id, "row-7");
  EXPECT_THROW(index.search_radius(codes.view(), 1), Error);  // float codes
  EXPECT_THROW(index.add({"a"}, codes.view()), Error);        // 1 id, 20 codes
  std::filesystem::remove(path);
}

TEST(Facade, DetectorsScoreFarRowsAboveTheThreshold) {
  const Detector detector = Detector::fit(trained(), rows(200, 5).view());
  const std::vector<double> normal = detector.score(rows(50, 6).view());
  const std::vector<double> far = detector.score(rows(50, 7, 3).view());
  int above_normal = 0, above_far = 0;
  for (double s : normal) above_normal += s > detector.threshold();
  for (double s : far) above_far += s > detector.threshold();
  EXPECT_LE(above_normal, 10);
  EXPECT_EQ(above_far, 50);
  const auto shares = detector.explain(rows(2, 8, 3).view(), 2);
  ASSERT_EQ(shares.size(), 2u);
  ASSERT_EQ(shares[0].size(), 2u);
  EXPECT_GE(shares[0][0].share, shares[0][1].share);
  EXPECT_EQ(shares[0][0].column.rfind("column ", 0), 0u);
}

TEST(Facade, BadInputIsOneLatentError) {
  const Model& model = trained();
  const Matrix wide{1, kCols + 1, std::vector<float>(kCols + 1, 0.f)};
  try {
    model.encode(wide.view());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "the rows have 7 columns, the model's table 6");
  }
  EXPECT_THROW(Model::load("/nonexistent/m.model"), Error);
  TrainOptions bad;
  bad.epochs = -1;
  EXPECT_THROW(Model::train(rows(10, 1).view(), bad), Error);
  EXPECT_FALSE(version().empty());
}

// Cells a model cannot train on are refused with where they are: an infinite value; a row with
// nothing observed; a missing value (NaN) in pixels.
TEST(Facade, RefusesCellsItCannotTrainOn) {
  auto message = [](const Matrix& x, const TrainOptions& options) {
    try {
      Model::train(x.view(), options);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  Matrix cells = rows(10, 1);
  cells.values[2 * kCols + 4] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(message(cells, {}), "x: row 3, column 5 is infinite");
  std::fill_n(cells.values.begin() + 2 * kCols, kCols, std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(message(cells, {}), "x: every value of row 3 is missing (NaN)");
  TrainOptions pixels;
  pixels.pixels = true;
  EXPECT_EQ(message(cells, pixels), "x: row 3, column 1 is not a number (NaN)");
}

// A CSV as `latent train` reads it: an order number (left out), a word column, blanks. The detector
// fitted on the file finds the row whose weight does not fit its size.
TEST(Facade, TrainsAndFitsOnACsvWithWordsBlanksAndAnId) {
  const std::filesystem::path dir = testing::scratch_path("facade_csv");
  std::filesystem::create_directories(dir);
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> size(1, 9);
  std::normal_distribution<float> noise(0, 0.2f);
  auto write = [&](const std::string& name, int rows, int first_id, bool planted) {
    std::string text = "id,size,weight,colour\n";
    for (int r = 0; r < rows; ++r) {
      const float s = size(rng);
      const float weight = planted && r == rows - 1 ? 3 * s + 12 : 3 * s + noise(rng);
      text += std::to_string(first_id + r) + "," + (r % 17 == 3 ? "" : std::to_string(s)) + "," +
              std::to_string(weight) + "," + (s > 5 ? "red" : "blue") + "\n";
    }
    const std::string path = (dir / name).string();
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(text.c_str(), f);
    std::fclose(f);
    return path;
  };
  const std::string train_path = write("train.csv", 400, 1, false), test_path = write("test.csv", 30, 5000, true);
  TrainOptions options;
  options.epochs = 60;
  options.seed = 1;
  const Model model = Model::train_csv(train_path, options);
  EXPECT_NE(model.summary().find("5-64-2"), std::string::npos) << model.summary();  // 2 numbers, 2 words + other
  const Detector detector = Detector::fit_csv(model, train_path, "auto", "quantile:0.99");
  const std::vector<double> scores = detector.score_csv(test_path);
  ASSERT_EQ(scores.size(), 30u);
  int normal_above = 0;
  for (size_t i = 0; i + 1 < scores.size(); ++i) normal_above += scores[i] > detector.threshold();
  EXPECT_GT(scores.back(), detector.threshold());
  EXPECT_LE(normal_above, 2);
  EXPECT_THROW(Model::train_csv((dir / "none.csv").string()), Error);
  TrainOptions pixels;
  pixels.pixels = true;
  EXPECT_THROW(Model::train_csv(train_path, pixels), Error);
  std::filesystem::remove_all(dir);
}

// Without sizes a table gets `latent train`'s recipe: 64 hidden, a code of half its 6 columns.
TEST(Facade, TakesTheTableRecipeWhenNoSizeIsGiven) {
  const Model model = Model::train(rows(200, 1).view());
  EXPECT_EQ(model.code_size(), 3);
  EXPECT_NE(model.summary().find("6-64-3"), std::string::npos) << model.summary();
  // The file says what the recipe chose, as `latent train` records it for `latent info`.
  const std::string path = testing::scratch_path("recipe.model");
  model.save(path);
  std::ifstream file(path, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  std::filesystem::remove(path);
  EXPECT_NE(bytes.find(R"("recipe":["--layers 64","--latent 3",)"), std::string::npos);
}

// Bits of pixels get the hashing recipe's sizes (as `latent train --type binary` does), other
// pixels the simple autoencoder (no hidden layer, a code of 32).
TEST(Facade, TakesLatentTrainsRecipeForPixels) {
  Matrix pixels{64, 64, {}};
  std::mt19937 rng(5);
  for (int64_t i = 0; i < pixels.rows * pixels.cols; ++i) pixels.values.push_back(static_cast<float>(rng() % 256));
  TrainOptions options;
  options.pixels = true;
  options.epochs = 1;
  EXPECT_NE(Model::train(pixels.view(), options).summary().find("64-32 (ae)"), std::string::npos);
  options.kind = CodeKind::bits;
  const Model bits = Model::train(pixels.view(), options);
  EXPECT_NE(bits.summary().find("64-1000-500-250-32 (binary)"), std::string::npos) << bits.summary();
}

}  // namespace
}  // namespace latent::api
