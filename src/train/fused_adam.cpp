#include "latent/train/fused_adam.h"

#include <cmath>
#include <vector>

#include "latent/base/worker_pool.h"
#include "latent/runtime/threads.h"
#include "train/adam_kernel.h"

namespace latent {

FusedAdam::FusedAdam(std::vector<torch::Tensor> params, torch::optim::AdamOptions options)
    : torch::optim::Adam(std::move(params), options.amsgrad(false)) {}

namespace {
struct Update {
  float* param;
  const float* grad;
  float *exp_avg, *exp_avg_sq;
  int64_t n;
  AdamCoefficients c;
};
}  // namespace

torch::Tensor FusedAdam::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss = closure ? closure() : torch::Tensor{};
  std::vector<Update> updates;
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
      c.one_minus_beta1 = static_cast<float>(1 - beta1);
      c.one_minus_beta2 = static_cast<float>(1 - beta2);
      c.step_size = static_cast<float>(options.lr() / (1 - std::pow(beta1, state.step())));
      c.inv_sqrt_bias2 = static_cast<float>(1 / std::sqrt(1 - std::pow(beta2, state.step())));
      c.eps = static_cast<float>(options.eps());
      c.weight_decay = static_cast<float>(options.weight_decay());
      updates.push_back({p.data_ptr<float>(), p.grad().data_ptr<float>(), state.exp_avg().data_ptr<float>(),
                         state.exp_avg_sq().data_ptr<float>(), p.numel(), c});
    }
  }
  // Every thread takes its slice of each large tensor (64-byte aligned); small ones stay whole.
  WorkerPool& pool = training_pool();
  const int64_t threads = pool.size();
  pool.run([&](int t) {
    for (const Update& u : updates) {
      if (u.n < 4096 && t > 0) continue;
      int64_t begin = u.n < 4096 ? 0 : std::min(u.n, (u.n * t / threads + 15) / 16 * 16);
      int64_t end = u.n < 4096 ? u.n : std::min(u.n, (u.n * (t + 1) / threads + 15) / 16 * 16);
      adam_update(u.param + begin, u.grad + begin, u.exp_avg + begin, u.exp_avg_sq + begin, end - begin, u.c);
    }
  });
  return loss;
}

}  // namespace latent
