#pragma once
// Detection metrics for scores where higher means "more likely positive" (anomalous).
// No torch here.
#include <cstdint>
#include <vector>

namespace latent {

/// Area under the ROC curve: the probability that a random positive scores above a random
/// negative, ties counting one half (Mann-Whitney U). Needs both classes.
double roc_auc(const std::vector<double>& scores, const std::vector<bool>& positive);

/// Average precision, Σ (R_k − R_{k−1}) · P_k over distinct thresholds from the top (the
/// step-wise area under the precision-recall curve, as scikit-learn computes it).
double pr_auc(const std::vector<double>& scores, const std::vector<bool>& positive);

struct ThresholdCounts {
  int64_t true_positives = 0, false_positives = 0, false_negatives = 0, true_negatives = 0;
  double precision() const;  ///< 0 when nothing is flagged
  double recall() const;
  double f1() const;
};
/// Flagged = score > threshold.
ThresholdCounts count_at_threshold(const std::vector<double>& scores, const std::vector<bool>& positive,
                                   double threshold);

/// The q-quantile (0 ≤ q ≤ 1) with linear interpolation between order statistics (numpy's default).
double quantile(std::vector<double> values, double q);

}  // namespace latent
