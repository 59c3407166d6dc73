#include "train/adam_kernel.h"

#include <cmath>

#include "base/vector_clones.h"

namespace latent {

LATENT_CLONES void adam_update(float* __restrict param, const float* __restrict grad, float* __restrict exp_avg,
                               float* __restrict exp_avg_sq, int64_t n, const AdamCoefficients& c) {
  for (int64_t i = 0; i < n; ++i) {
    float g = grad[i] + c.weight_decay * param[i];
    float m = c.beta1 * exp_avg[i] + c.one_minus_beta1 * g;
    float v = c.beta2 * exp_avg_sq[i] + c.one_minus_beta2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    param[i] -= c.step_size * m / (std::sqrt(v) * c.inv_sqrt_bias2 + c.eps);
  }
}

}  // namespace latent
