#include "latent/metrics/roc.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "latent/base/error.h"

namespace latent {
namespace {

void check(const std::vector<double>& scores, const std::vector<bool>& positive) {
  if (scores.size() != positive.size()) throw Error("scores and labels differ in length");
  int64_t positives = std::count(positive.begin(), positive.end(), true);
  if (positives == 0 || positives == static_cast<int64_t>(positive.size()))
    throw Error("ROC and PR curves need both normal and anomalous items");
  for (double s : scores)
    if (std::isnan(s)) throw Error("scores contain NaN");
}

/// Indices sorted by descending score.
std::vector<size_t> descending(const std::vector<double>& scores) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  return order;
}

}  // namespace

double roc_auc(const std::vector<double>& scores, const std::vector<bool>& positive) {
  check(scores, positive);
  std::vector<size_t> order = descending(scores);
  // Walk groups of tied scores from the top: each negative beats the positives seen above it.
  double positives_above = 0, pairs_won = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    double group_pos = 0, group_neg = 0;
    for (; j < order.size() && scores[order[j]] == scores[order[i]]; ++j)
      (positive[order[j]] ? group_pos : group_neg) += 1;
    pairs_won += group_neg * (positives_above + 0.5 * group_pos);
    positives_above += group_pos;
    i = j;
  }
  const double pos = positives_above, neg = static_cast<double>(scores.size()) - pos;
  return pairs_won / (pos * neg);
}

double pr_auc(const std::vector<double>& scores, const std::vector<bool>& positive) {
  check(scores, positive);
  std::vector<size_t> order = descending(scores);
  const double total_pos = static_cast<double>(std::count(positive.begin(), positive.end(), true));
  double tp = 0, flagged = 0, last_recall = 0, area = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    for (; j < order.size() && scores[order[j]] == scores[order[i]]; ++j) tp += positive[order[j]];
    flagged += static_cast<double>(j - i);
    double recall = tp / total_pos;
    area += (recall - last_recall) * (tp / flagged);
    last_recall = recall;
    i = j;
  }
  return area;
}

double ThresholdCounts::precision() const {
  int64_t flagged = true_positives + false_positives;
  return flagged ? static_cast<double>(true_positives) / flagged : 0.0;
}
double ThresholdCounts::recall() const {
  int64_t positives = true_positives + false_negatives;
  return positives ? static_cast<double>(true_positives) / positives : 0.0;
}
double ThresholdCounts::f1() const {
  double p = precision(), r = recall();
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

ThresholdCounts count_at_threshold(const std::vector<double>& scores, const std::vector<bool>& positive,
                                   double threshold) {
  if (scores.size() != positive.size()) throw Error("scores and labels differ in length");
  ThresholdCounts c;
  for (size_t i = 0; i < scores.size(); ++i) {
    bool flagged = scores[i] > threshold;
    if (positive[i]) (flagged ? c.true_positives : c.false_negatives)++;
    else (flagged ? c.false_positives : c.true_negatives)++;
  }
  return c;
}

double quantile(std::vector<double> values, double q) {
  if (values.empty()) throw Error("no values to take a quantile of");
  if (!(q >= 0 && q <= 1)) throw Error("quantile must be in [0, 1]");
  std::sort(values.begin(), values.end());
  double pos = q * static_cast<double>(values.size() - 1);
  size_t below = static_cast<size_t>(std::floor(pos));
  size_t above = std::min(below + 1, values.size() - 1);
  return values[below] + (pos - below) * (values[above] - values[below]);
}

}  // namespace latent
