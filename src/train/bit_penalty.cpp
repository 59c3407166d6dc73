#include "train/bit_penalty.h"

#include <cmath>

#include "latent/io/model_spec.h"

namespace latent {

BitPenalty bit_penalty(const ModelSpec& spec, const std::vector<double>& sums, const std::vector<double>& products,
                       int64_t n, double share) {
  const auto bits = static_cast<int64_t>(sums.size());
  const double rows = static_cast<double>(n);
  BitPenalty penalty;
  penalty.mean.resize(static_cast<size_t>(bits));
  penalty.offset.assign(static_cast<size_t>(bits), 0.0f);
  penalty.matrix.assign(static_cast<size_t>(bits * bits), 0.0f);
  std::vector<double> mean(static_cast<size_t>(bits));
  for (int64_t j = 0; j < bits; ++j) {
    mean[j] = sums[j] / rows;
    penalty.mean[j] = static_cast<float>(mean[j]);
  }
  // Balance: weight·Σ_j (mean_j − ½)², whose gradient reaches every row through the mean.
  if (spec.bit_balance > 0)
    for (int64_t j = 0; j < bits; ++j) {
      penalty.value += spec.bit_balance * (mean[j] - 0.5) * (mean[j] - 0.5);
      penalty.offset[j] = static_cast<float>(share * spec.bit_balance * 2 * (mean[j] - 0.5) / rows);
    }
  // Decorrelation: weight·Σ_{i≠j} R_ij² / (bits·(bits − 1)) of the correlations R = S_ij·u_i·u_j,
  // S the covariance (divided by n), u_i = (S_ii + 1e-6)^(-½). With G = d/dS of that sum
  // (G_ij = 2·R_ij·u_i·u_j off the diagonal, G_ii = −2·Σ_{j≠i} R_ij² / (S_ii + 1e-6)), the
  // gradient with respect to c_r is 2·(c_r − mean)·G / n (the mean's part sums to zero).
  if (spec.bit_decorrelation > 0 && n > 1) {
    std::vector<double> cov(static_cast<size_t>(bits * bits)), u(static_cast<size_t>(bits));
    for (int64_t i = 0; i < bits; ++i)
      for (int64_t j = 0; j < bits; ++j) cov[i * bits + j] = products[i * bits + j] / rows - mean[i] * mean[j];
    for (int64_t i = 0; i < bits; ++i) u[i] = 1 / std::sqrt(cov[i * bits + i] + 1e-6);
    const double weight = spec.bit_decorrelation / static_cast<double>(bits * (bits - 1));
    double off = 0;
    for (int64_t i = 0; i < bits; ++i) {
      double diagonal = 0;
      for (int64_t j = 0; j < bits; ++j) {
        if (i == j) continue;
        const double r = cov[i * bits + j] * u[i] * u[j];
        off += r * r;
        diagonal += r * r;
        penalty.matrix[i * bits + j] = static_cast<float>(share * weight * 2 * (2 * r * u[i] * u[j]) / rows);
      }
      penalty.matrix[i * bits + i] = static_cast<float>(share * weight * 2 * (-2 * diagonal * u[i] * u[i]) / rows);
    }
    penalty.value += weight * off;
  }
  penalty.value *= share;
  return penalty;
}

}  // namespace latent
