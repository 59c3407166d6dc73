#pragma once
// One Adam update over a contiguous float range, in a single pass (torch's Adam makes about a
// dozen passes with temporaries). Kept free of torch so it builds with its own flags.
#include <cstdint>

namespace latent {

struct AdamCoefficients {
  float beta1, beta2;
  float one_minus_beta1, one_minus_beta2;  ///< from the double betas: 1 - 0.999f is 1.3e-5 off
  float step_size;                         ///< lr / (1 - beta1^t)
  float inv_sqrt_bias2;                    ///< 1 / sqrt(1 - beta2^t)
  float eps;
  float weight_decay;  ///< L2 added to the gradient, as torch::optim::Adam does
};

void adam_update(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
                 const AdamCoefficients& c);

}  // namespace latent
