#include "latent/fused_adam.h"

#include <cmath>
#include <thread>

#include "adam_kernel.h"

namespace latent {

FusedAdam::FusedAdam(std::vector<torch::Tensor> params, torch::optim::AdamOptions options, int threads)
    : torch::optim::Adam(std::move(params), options.amsgrad(false)), threads_(std::max(1, threads)) {}

torch::Tensor FusedAdam::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss = closure ? closure() : torch::Tensor{};
  for (auto& group : param_groups()) {
    const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      TORCH_INTERNAL_ASSERT(p.is_contiguous() && p.grad().is_contiguous() && p.scalar_type() == torch::kFloat32);
      // The same state key and layout as torch::optim::Adam, so save() and load() carry over.
      std::string key = c10::guts::to_string(p.unsafeGetTensorImpl());
      auto found = state_.find(key);
      if (found == state_.end()) {
        auto fresh = std::make_unique<torch::optim::AdamParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
        fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
        found = state_.emplace(key, std::move(fresh)).first;
      }
      auto& state = static_cast<torch::optim::AdamParamState&>(*found->second);
      state.step(state.step() + 1);
      double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
      AdamCoefficients c;
      c.beta1 = static_cast<float>(beta1);
      c.beta2 = static_cast<float>(beta2);
      c.step_size = static_cast<float>(options.lr() / (1 - std::pow(beta1, state.step())));
      c.inv_sqrt_bias2 = static_cast<float>(1 / std::sqrt(1 - std::pow(beta2, state.step())));
      c.eps = static_cast<float>(options.eps());
      c.weight_decay = static_cast<float>(options.weight_decay());
      float* param = p.data_ptr<float>();
      const float* grad = p.grad().data_ptr<float>();
      float* m = state.exp_avg().data_ptr<float>();
      float* v = state.exp_avg_sq().data_ptr<float>();
      const int64_t n = p.numel();
      // A second thread pays off only for large tensors (spawning costs ~20 µs).
      if (threads_ < 2 || n < (int64_t{1} << 16)) {
        adam_update(param, grad, m, v, n, c);
        continue;
      }
      int64_t half = (n / 2 + 15) / 16 * 16;
      std::thread helper([&] { adam_update(param + half, grad + half, m + half, v + half, n - half, c); });
      adam_update(param, grad, m, v, half, c);
      helper.join();
    }
  }
  return loss;
}

}  // namespace latent
