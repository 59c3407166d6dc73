#pragma once
// torch::optim::Adam with a one-pass update split over training_pool()'s threads. Same options, same state
// (step, exp_avg, exp_avg_sq) and so the same checkpoints; results equal torch's up to float
// rounding. amsgrad is not supported (use torch's Adam for it).
#include <torch/torch.h>

namespace latent {

class FusedAdam : public torch::optim::Adam {
 public:
  FusedAdam(std::vector<torch::Tensor> params, torch::optim::AdamOptions options);
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace latent
