// The training-input profile: real MNIST test digits pass silently, the same digits inverted or
// scaled to 0..1 are reported; table rows in other units likewise.
#include <gtest/gtest.h>

#include <random>

#include "latent/io/data_source.h"
#include "latent/io/input_profile.h"

namespace latent {
namespace {

RawData sample(const RawData& raw, int64_t i) {
  RawData one;
  one.is_image = raw.is_image;
  one.sample_shape = raw.sample_shape;
  one.values.assign(raw.values.begin() + i * raw.features(), raw.values.begin() + (i + 1) * raw.features());
  return one;
}

std::string joined(const std::vector<std::string>& warnings) {
  std::string all;
  for (const auto& w : warnings) all += w + "\n";
  return all;
}

const InputProfile& mnist_profile() {
  static const InputProfile profile = InputProfile::fit(load_raw("mnist", "train"));
  return profile;
}

TEST(InputProfile, HeldOutDigitsGiveNoWarnings) {
  RawData test = load_raw("mnist", "test");
  EXPECT_EQ(joined(mnist_profile().warnings(test, "pass --invert")), "");
  int64_t warned = 0;
  std::string first;
  for (int64_t i = 0; i < test.count(); ++i) {
    std::vector<std::string> w = mnist_profile().warnings(sample(test, i), "pass --invert");
    if (!w.empty() && warned++ == 0) first = "test image " + std::to_string(i) + ": " + joined(w);
  }
  EXPECT_EQ(warned, 0) << first;
}

TEST(InputProfile, InvertedDigitWarns) {
  RawData test = load_raw("mnist", "test", 100);
  for (float& v : test.values) v = 255 - v;
  for (int64_t i = 0; i < test.count(); ++i) {
    std::vector<std::string> w = mnist_profile().warnings(sample(test, i), "pass --invert");
    ASSERT_EQ(w.size(), 1u) << "test image " << i << ": " << joined(w);
    EXPECT_NE(w[0].find("the background is light"), std::string::npos) << w[0];
    EXPECT_NE(w[0].find("looks inverted; pass --invert"), std::string::npos) << w[0];
  }
}

TEST(InputProfile, UnitRangeDigitWarns) {
  RawData test = load_raw("mnist", "test", 100);
  for (float& v : test.values) v /= 255;
  for (int64_t i = 0; i < test.count(); ++i) {
    std::vector<std::string> w = mnist_profile().warnings(sample(test, i), "pass --invert");
    ASSERT_EQ(w.size(), 1u) << "test image " << i << ": " << joined(w);
    EXPECT_NE(w[0].find("but the model was trained on [0,255]: scale them (x255)"), std::string::npos) << w[0];
  }
}

TEST(InputProfile, TableRowsInOtherUnitsWarn) {
  std::mt19937 gen(1);
  std::normal_distribution<float> normal(0, 1);
  RawData table;
  table.sample_shape = {4};
  for (int i = 0; i < 1000 * 4; ++i) table.values.push_back(100 * (i % 4) + (1 + i % 4) * normal(gen));
  RawData train = table, held_out = table;
  train.truncate(800);
  held_out.values.erase(held_out.values.begin(), held_out.values.begin() + 800 * 4);
  const InputProfile profile = InputProfile::fit(train);
  EXPECT_EQ(joined(profile.warnings(held_out, "")), "");
  for (int64_t i = 0; i < held_out.count(); ++i) EXPECT_EQ(joined(profile.warnings(sample(held_out, i), "")), "");
  RawData grams = sample(held_out, 0);
  grams.values[2] *= 1000;
  std::vector<std::string> w = profile.warnings(grams, "");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("1 of 4 features lie far outside the training range (feature 2"), std::string::npos) << w[0];
}

TEST(InputProfile, JsonRoundTrip) {
  const InputProfile& p = mnist_profile();
  InputProfile back = InputProfile::from_json(nlohmann::json::parse(p.to_json().dump()));
  EXPECT_EQ(back.to_json(), p.to_json());
  EXPECT_THROW(InputProfile::from_json({{"kind", "sound"}}), nlohmann::json::exception);
}

}  // namespace
}  // namespace latent
