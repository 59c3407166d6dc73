#include "latent/train/gradient_engine.h"

#include <cmath>

#include "latent/base/error.h"
#include "latent/runtime/threads.h"
#include "latent/train/corruption.h"
#include "latent/train/data_parallel.h"
#include "latent/train/dense_gradient.h"

namespace latent {

double AutogradGradient::gradients(const torch::Tensor& x, const torch::Tensor& indices, const torch::Tensor& labels) {
  (void)labels;
  for (auto& p : model_->parameters())
    if (p.grad().defined()) p.mutable_grad().detach_().zero_();
  torch::Tensor rows = x.index_select(0, indices);
  const bool neighbour_pairs = model_->spec().neighbour_pull > 0;
  torch::Tensor loss = training_objective(model_, rows, neighbour_pairs);
  const double value = loss.item<double>();
  if (std::isfinite(value)) loss.backward();
  return value;
}

std::unique_ptr<GradientEngine> make_gradient_engine(Autoencoder model, const ParallelOptions& options) {
  const ParallelOptions definite = options.resolved(model->spec(), configured_threads());
  definite.validate();
  const bool one_process = definite.processes.world_size == 1;
  if (one_process && definite.dense(model->spec()))
    return std::make_unique<DenseGradient>(std::move(model), definite.precision == "bf16");
  if (definite.active()) {
    if (model->spec().neighbour_pull > 0)
      throw SettingError("neighbour pull",
                         "trains in one process on one replica: drop --replicas, --nproc and --world-size");
    return std::make_unique<DataParallel>(std::move(model), definite);
  }
  return std::make_unique<AutogradGradient>(std::move(model));
}

}  // namespace latent
