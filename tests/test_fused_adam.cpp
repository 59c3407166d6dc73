// FusedAdam takes the steps torch::optim::Adam takes: same parameters and state after every
// step of a shared gradient sequence, with and without weight decay, through learning-rate
// changes and steps where a parameter has no gradient, split over pool threads.
#include <gtest/gtest.h>

#include "latent/runtime/threads.h"
#include "latent/train/fused_adam.h"

namespace latent {
namespace {

struct Case {
  int threads;
  torch::optim::AdamOptions options;
};

const torch::optim::AdamParamState& state_of(torch::optim::Optimizer& optimizer, const torch::Tensor& p) {
  return static_cast<const torch::optim::AdamParamState&>(
      *optimizer.state().at(c10::guts::to_string(p.unsafeGetTensorImpl())));
}

// Largest |a − b| relative to b's largest element (the state of tiny gradients is tiny).
double difference(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).abs().max() / b.abs().max()).item<double>();
}

void expect_same_steps(const Case& c) {
  configure_threads(c.threads);
  torch::manual_seed(7);
  // One tensor large enough to be split over the threads (not a multiple of 16 per thread), and
  // small ones that one thread updates whole.
  std::vector<torch::Tensor> initial = {torch::randn({5003}), torch::randn({40, 128}), torch::randn({7}),
                                        torch::randn({3, 5})};
  std::vector<torch::Tensor> fused_params, torch_params;
  for (const auto& p : initial) {
    fused_params.push_back(p.clone());
    torch_params.push_back(p.clone());
  }
  FusedAdam fused(fused_params, c.options);
  torch::optim::Adam reference(torch_params, c.options);
  const std::vector<double> lrs = {1e-2, 1e-2, 3e-3, 3e-3, 1e-3, 1e-3, 5e-2, 5e-2, 1e-4, 1e-2, 2e-3, 2e-3};
  for (size_t step = 0; step < lrs.size(); ++step) {
    for (torch::optim::Optimizer* optimizer :
         {static_cast<torch::optim::Optimizer*>(&fused), static_cast<torch::optim::Optimizer*>(&reference)})
      for (auto& group : optimizer->param_groups()) group.options().set_lr(lrs[step]);
    for (size_t i = 0; i < initial.size(); ++i) {
      // Gradients of very different sizes, so eps and the bias corrections all matter; the
      // third parameter has none on steps 3 and 4 (Adam skips it: its step count lags).
      torch::Tensor grad = torch::randn_like(initial[i]) * std::pow(10.0, -3.0 * static_cast<double>(i % 3));
      bool skipped = i == 2 && (step == 3 || step == 4);
      fused_params[i].mutable_grad() = skipped ? torch::Tensor() : grad.clone();
      torch_params[i].mutable_grad() = skipped ? torch::Tensor() : grad.clone();
    }
    fused.step();
    reference.step();
    for (size_t i = 0; i < initial.size(); ++i) {
      SCOPED_TRACE("step " + std::to_string(step + 1) + ", parameter " + std::to_string(i));
      EXPECT_LT(difference(fused_params[i], torch_params[i]), 1e-6);
      const auto &got = state_of(fused, fused_params[i]), &want = state_of(reference, torch_params[i]);
      EXPECT_EQ(got.step(), want.step());
      EXPECT_LT(difference(got.exp_avg(), want.exp_avg()), 1e-6);
      EXPECT_LT(difference(got.exp_avg_sq(), want.exp_avg_sq()), 1e-6);
    }
  }
  // The steps moved the parameters well beyond the tolerance: the comparison is not vacuous.
  EXPECT_GT(difference(fused_params[0], initial[0]), 1e-3);
}

TEST(FusedAdam, SameStepsAsTorchAdam) { expect_same_steps({2, torch::optim::AdamOptions(1e-2)}); }

TEST(FusedAdam, SameStepsWithWeightDecayAndOtherBetas) {
  expect_same_steps({2, torch::optim::AdamOptions(1e-2).weight_decay(0.1).betas({0.8, 0.95}).eps(1e-6)});
}

TEST(FusedAdam, SameStepsOnThreeThreads) { expect_same_steps({3, torch::optim::AdamOptions(1e-2).weight_decay(0.01)}); }

}  // namespace
}  // namespace latent
