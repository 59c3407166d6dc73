// The compressed file format and the detection metrics (no torch).
#include <gtest/gtest.h>

#include <cmath>

#include "latent/base/error.h"
#include "latent/io/codec.h"
#include "latent/metrics/roc.h"

namespace latent {
namespace {

CompressedCodes sample_codes(int bits) {
  std::vector<float> values;
  for (int i = 0; i < 300; ++i) values.push_back(std::sin(0.37f * i) * (1 + i % 3));  // 100 items × 3 dims
  CompressedCodes c;
  c.model_fingerprint = "0123456789abcdef";
  c.sample_shape = {1, 28, 28};
  c.count = 100;
  c.quantizer = Quantizer::fit(values, 3, bits);
  c.levels = c.quantizer.quantize(values);
  return c;
}

TEST(Quantizer, ErrorIsAtMostHalfAStep) {
  std::vector<float> values = {-1, 0.3f, 2, 5, 0.25f, 2.5f};  // 3 items × 2 dims
  for (int bits : {4, 8, 12}) {
    Quantizer q = Quantizer::fit(values, 2, bits);
    std::vector<float> back = q.dequantize(q.quantize(values));
    for (size_t i = 0; i < values.size(); ++i) {
      float step = (q.hi[i % 2] - q.lo[i % 2]) / ((1 << bits) - 1);
      EXPECT_LE(std::abs(back[i] - values[i]), 0.5f * step + 1e-6f) << bits << " bits, value " << i;
    }
  }
  EXPECT_THROW(Quantizer::fit(values, 2, 3), Error);
  EXPECT_THROW(Quantizer::fit({1, NAN}, 2, 8), Error);
}

TEST(CompressedFile, RoundTripsAtEveryWidth) {
  for (int bits : {4, 8, 9, 16}) {
    CompressedCodes c = sample_codes(bits);
    CompressedCodes back = unpack_compressed(pack_compressed(c), "f.ltc");
    EXPECT_EQ(back.levels, c.levels) << bits;
    EXPECT_EQ(back.quantizer.lo, c.quantizer.lo);
    EXPECT_EQ(back.quantizer.hi, c.quantizer.hi);
    EXPECT_EQ(back.quantizer.bits, bits);
    EXPECT_EQ(back.model_fingerprint, c.model_fingerprint);
    EXPECT_EQ(back.sample_shape, c.sample_shape);
    EXPECT_EQ(back.count, 100);
  }
}

TEST(CompressedFile, RefusesDamageAndTruncationWithAClearError) {
  std::string bytes = pack_compressed(sample_codes(8));
  auto message = [](const std::string& b) {
    try {
      unpack_compressed(b, "f.ltc");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  for (size_t at : {size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
    std::string damaged = bytes;
    damaged[at] ^= 0x5a;
    EXPECT_EQ(message(damaged).rfind("f.ltc: ", 0), 0u) << message(damaged);
  }
  for (size_t keep : {size_t{0}, size_t{5}, size_t{30}, bytes.size() - 1})
    EXPECT_EQ(message(bytes.substr(0, keep)).rfind("f.ltc: ", 0), 0u) << message(bytes.substr(0, keep));
}

TEST(Roc, MatchesAHandCheckedExample) {
  // Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of 4 pairs ordered right.
  std::vector<double> scores = {0.1, 0.4, 0.35, 0.8};
  std::vector<bool> positive = {false, false, true, true};
  EXPECT_DOUBLE_EQ(roc_auc(scores, positive), 0.75);
  // From the top: 0.8 (P: recall 1/2, precision 1), 0.4 (N), 0.35 (P: recall 1, precision 2/3).
  EXPECT_DOUBLE_EQ(pr_auc(scores, positive), 0.5 * 1 + 0.5 * 2.0 / 3);
  // A tie between a positive and a negative counts one half.
  EXPECT_DOUBLE_EQ(roc_auc({1, 1, 0}, {true, false, false}), 0.75);
  EXPECT_THROW(roc_auc({1, 2}, {true, true}), Error);
}

TEST(Roc, CountsAtThreshold) {
  ThresholdCounts c = count_at_threshold({0.1, 0.4, 0.35, 0.8}, {false, false, true, true}, 0.3);
  EXPECT_EQ(c.true_positives, 2);
  EXPECT_EQ(c.false_positives, 1);
  EXPECT_DOUBLE_EQ(c.precision(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(c.recall(), 1.0);
  EXPECT_DOUBLE_EQ(c.f1(), 0.8);
}

TEST(Quantile, InterpolatesLikeNumpy) {
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 1.0), 4);
  EXPECT_DOUBLE_EQ(quantile({0, 10}, 0.95), 9.5);
}

}  // namespace
}  // namespace latent
