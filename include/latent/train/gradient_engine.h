#pragma once
// One training step's gradients, however they are computed: the hand-written dense passes
// (DenseGradient), LibTorch autograd (AutogradGradient), or shards over replica threads and
// processes (DataParallel). make_gradient_engine is the one place that picks among them; the
// Trainer only calls gradients(). Each engine draws the step's input corruption and code noise
// where its passes run.
#include <memory>

#include <torch/torch.h>

#include "latent/model/autoencoder.h"

namespace latent {

struct ParallelOptions;

class GradientEngine {
 public:
  virtual ~GradientEngine() = default;
  /// Sets the model's .grad to the gradient of the mean loss over the rows `indices` of `x` and
  /// returns that loss. labels: int64, one per row of x, for objectives that take labels (else
  /// undefined).
  virtual double gradients(const torch::Tensor& x, const torch::Tensor& indices, const torch::Tensor& labels) = 0;
  /// Before the first step: every process gets rank 0's weights and optimizer state.
  virtual void synchronize(torch::optim::Optimizer& optimizer) { (void)optimizer; }
  /// Does this process write the checkpoints, models and logs (rank 0 of a process group)?
  virtual bool writer() const { return true; }
};

/// LibTorch autograd on the model's objective, in this thread; rows i and i + N/2 are an image
/// and its neighbour when the spec has a neighbour pull.
class AutogradGradient : public GradientEngine {
 public:
  explicit AutogradGradient(Autoencoder model) : model_(std::move(model)) {}
  double gradients(const torch::Tensor& x, const torch::Tensor& indices, const torch::Tensor& labels) override;

 private:
  Autoencoder model_;
};

/// The dense passes when the options and the model allow them (engine auto, fp32, one replica,
/// one process, DenseGradient::supports), else DataParallel when the options ask for more than
/// one replica or process or for bf16, else autograd. Joins the process group, if any.
std::unique_ptr<GradientEngine> make_gradient_engine(Autoencoder model, const ParallelOptions& options);

}  // namespace latent
