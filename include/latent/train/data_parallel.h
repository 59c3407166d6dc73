#pragma once
// Data-parallel gradients: one training step's batch is split over R replica threads in this
// process and W processes (c10d/Gloo), each computing the gradient of its shard's share of the
// mean loss; the shares are summed (threads: autograd accumulates into the shared parameters'
// .grad; processes: one all-reduce of a flat buffer), so one optimizer step sees the gradient
// of the whole batch, as with one replica, up to float rounding. With one replica, a plain dense
// model's local gradient comes from DenseGradient (its own threads) instead.
//
// Exactly equal only for objectives that are means over images of deterministic terms. Noise
// (--corrupt, the VAE's sampled code) is drawn per shard, and the kl sparsity penalty is taken
// over each shard's mean activation, so those runs are equivalent in distribution, not in bits.
//
// --precision bf16 runs the forward and backward passes under CPU autocast (matrix multiplies
// in bfloat16 through oneDNN), or DenseGradient's bf16 products; parameters, gradients and the
// optimizer stay fp32.
#include <memory>
#include <string>

#include <torch/torch.h>

#include "latent/base/worker_pool.h"
#include "latent/model/autoencoder.h"
#include "latent/train/dense_gradient.h"
#include "latent/train/gradient_engine.h"
#include "latent/train/process_group.h"

namespace latent {

struct ParallelOptions {
  int replicas = 1;                ///< threads in this process, each with one intra-op thread; 0: auto
  std::string precision = "fp32";  ///< fp32 | bf16
  /// auto: DenseGradient's hand-written passes when the model allows (one replica);
  /// autograd: always LibTorch's autograd.
  std::string engine = "auto";
  ProcessGroupOptions processes;  ///< world_size 1: no other processes
  void validate() const;
  /// Anything beyond one process, one replica, fp32?
  bool active() const { return replicas > 1 || processes.world_size > 1 || precision != "fp32"; }
  /// Are the gradients DenseGradient's?
  bool dense(const ModelSpec& spec) const;
  /// replicas 0 (auto) made definite: one replica per thread for a model that trains through
  /// autograd (not the dense passes), in fp32, in one process, without the neighbour pull; else 1.
  /// A shard per thread meets the other threads once a step, where OpenBLAS's threads meet at
  /// every matrix multiply and stall whenever another process holds a core (docs/performance.md).
  ParallelOptions resolved(const ModelSpec& spec, int threads) const;
};

class DataParallel : public GradientEngine {
 public:
  /// Joins the process group (blocks until every rank is there, or the timeout).
  DataParallel(Autoencoder model, ParallelOptions options);
  ~DataParallel() override;
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  /// Sets the model's .grad to the gradient of the mean loss over the rows `indices` of `x` (the
  /// whole step's batch, the same on every rank) and returns that mean loss.
  double gradients(const torch::Tensor& x, const torch::Tensor& indices, const torch::Tensor& labels) override;

  /// Gives every rank rank 0's parameters and optimizer state (call before training).
  void synchronize(torch::optim::Optimizer& optimizer) override;

  int rank() const { return group_ ? group_->rank() : 0; }
  int world_size() const { return group_ ? group_->world_size() : 1; }
  /// Only rank 0 writes checkpoints, models and logs.
  bool writer() const override { return rank() == 0; }
  const ParallelOptions& options() const { return options_; }

 private:
  /// The shard's share of the batch loss. Its gradients go into .grad, or with `grads` into
  /// those (one per parameter, undefined where unused) for a sum in shard order.
  double shard_loss(const torch::Tensor& x, const torch::Tensor& rows, double weight,
                    std::vector<torch::Tensor>* grads = nullptr);

  Autoencoder model_;
  ParallelOptions options_;
  std::unique_ptr<ProcessGroup> group_;
  std::unique_ptr<WorkerPool> pool_;  ///< the replica threads
  std::unique_ptr<DenseGradient> dense_;
  std::vector<torch::Tensor> params_;
  torch::Tensor flat_;  ///< all gradients and the loss, all-reduced in one call
};

}  // namespace latent
