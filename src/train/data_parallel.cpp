#include "latent/train/data_parallel.h"

#include <cstdint>
#include <cstring>
#include <optional>

#include <ATen/autocast_mode.h>

#include "latent/base/error.h"
#include "latent/base/worker_pool.h"
#include "latent/model/model_file.h"
#include "latent/runtime/random_draws.h"
#include "latent/runtime/threads.h"
#include "latent/train/corruption.h"
#include "train/optimizer_check.h"

namespace latent {

void ParallelOptions::validate() const {
  if (replicas < 0 || replicas > 256) throw SettingError("replicas", "must be in 0..256 (0: auto)");
  if (precision != "fp32" && precision != "bf16")
    throw SettingError("precision", precision + ": expected fp32 or bf16");
  if (processes.world_size < 1) throw SettingError("world size", "must be at least 1");
  if (processes.rank < 0 || processes.rank >= processes.world_size)
    throw SettingError("rank",
                       std::to_string(processes.rank) + ": expected 0.." + std::to_string(processes.world_size - 1));
  if (processes.timeout.count() < 1) throw SettingError("timeout", "must be at least 1 second");
  if (engine != "auto" && engine != "autograd") throw SettingError("engine", engine + ": expected auto or autograd");
}

bool ParallelOptions::dense(const ModelSpec& spec) const {
  return engine == "auto" && replicas == 1 && DenseGradient::supports(spec);
}

ParallelOptions ParallelOptions::resolved(const ModelSpec& spec, int threads) const {
  ParallelOptions definite = *this;
  if (replicas != 0) return definite;
  definite.replicas = 1;
  const bool sharded = engine == "auto" && precision == "fp32" && processes.world_size == 1 &&
                       spec.neighbour_pull == 0 && !definite.dense(spec);
  if (sharded) definite.replicas = std::max(1, threads);
  return definite;
}

namespace {
// CPU autocast for one forward pass: matrix multiplies in bfloat16, reductions and the loss as
// autocast's op lists decide; the fp32 parameters' bf16 copies are dropped afterwards.
struct Bf16Autocast {
  Bf16Autocast() {
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::increment_nesting();
  }
  ~Bf16Autocast() {
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_cpu_enabled(false);
  }
};
}  // namespace

DataParallel::DataParallel(Autoencoder model, ParallelOptions options)
    : model_(std::move(model)), options_(options.resolved(model_->spec(), configured_threads())) {
  options_.validate();
  if (options_.processes.world_size > 1) group_ = std::make_unique<ProcessGroup>(options_.processes);
  if (options_.dense(model_->spec())) dense_ = std::make_unique<DenseGradient>(model_, options_.precision == "bf16");
  if (options_.replicas > 1) {
    // Each replica runs its GEMMs on its own core: OpenBLAS's pool would only fight them.
    set_blas_threads(std::max(1, configured_threads() / options_.replicas));
    pool_ = std::make_unique<WorkerPool>(options_.replicas, configure_worker_thread);
  }
  params_ = model_->parameters();
  int64_t total = 1;  // the loss rides along in the last slot
  for (const auto& p : params_) total += p.numel();
  flat_ = torch::zeros({total}, torch::kFloat32);
}

DataParallel::~DataParallel() = default;

double DataParallel::shard_loss(const torch::Tensor& x, const torch::Tensor& rows, double weight,
                                std::vector<torch::Tensor>* grads) {
  if (rows.numel() == 0) return 0;
  torch::Tensor xs = x.index_select(0, rows);
  torch::Tensor loss;
  {
    std::optional<Bf16Autocast> autocast;
    if (options_.precision == "bf16") autocast.emplace();
    loss = training_objective(model_, xs);
  }
  double value = loss.item<double>();
  torch::Tensor share = loss.to(torch::kFloat32) * weight;  // of the batch mean
  if (grads)
    *grads = torch::autograd::grad({share}, params_, {}, /*retain_graph=*/false, /*create_graph=*/false,
                                   /*allow_unused=*/true);
  else share.backward();
  return value * weight;
}

double DataParallel::gradients(const torch::Tensor& x, const torch::Tensor& indices, const torch::Tensor& labels) {
  (void)labels;
  const int64_t n = indices.size(0);
  const int64_t world = world_size(), rank = this->rank();
  torch::Tensor local = indices.slice(0, rank * n / world, (rank + 1) * n / world);
  const int64_t local_n = local.size(0);
  double loss = 0;
  if (dense_) {
    loss = dense_->shard_gradients(x, local, n);
  } else {
    for (auto& p : params_)
      if (p.grad().defined()) p.mutable_grad().zero_();
    const int replicas = options_.replicas;
    const bool threaded = pool_ != nullptr;  // replicas > 1
    std::vector<double> losses(replicas, 0.0);
    // Threaded, each replica keeps its gradients apart, summed below in shard order (accumulated
    // into .grad as the threads finish, three or more shards would sum in a different order every
    // run), and draws its corruption and code noise from a generator of its own, seeded from one
    // draw of the default generator here (a shared one hands out numbers in thread-timing order).
    std::vector<std::vector<torch::Tensor>> shard_grads(threaded ? replicas : 0);
    const uint64_t step_seed =
        threaded ? static_cast<uint64_t>(torch::randint(INT64_MAX, {1}, torch::kInt64).item<int64_t>()) : 0;
    auto shard = [&](int r) {
      std::optional<ScopedGenerator> generator;
      if (threaded) generator.emplace(step_seed + static_cast<uint64_t>(r));
      torch::Tensor rows = local.slice(0, r * local_n / replicas, (r + 1) * local_n / replicas);
      losses[r] = shard_loss(x, rows, static_cast<double>(rows.size(0)) / static_cast<double>(n),
                             threaded ? &shard_grads[r] : nullptr);
    };
    if (threaded) {
      pool_->run(shard);
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < params_.size(); ++i) {
        torch::Tensor& p = params_[i];
        if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
        for (const auto& grads : shard_grads)
          if (i < grads.size() && grads[i].defined()) p.mutable_grad().add_(grads[i]);
      }
    } else {
      shard(0);
    }
    for (double l : losses) loss += l;
  }
  if (!group_) return loss;

  torch::NoGradGuard no_grad;
  float* flat = flat_.data_ptr<float>();
  int64_t offset = 0;
  for (auto& p : params_) {
    const torch::Tensor& g = p.grad();
    if (g.defined()) std::memcpy(flat + offset, g.contiguous().data_ptr<float>(), sizeof(float) * p.numel());
    else std::fill(flat + offset, flat + offset + p.numel(), 0.0f);
    offset += p.numel();
  }
  flat[offset] = static_cast<float>(loss);
  group_->allreduce_sum(flat_);
  offset = 0;
  for (auto& p : params_) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    p.grad().view(-1).copy_(flat_.slice(0, offset, offset + p.numel()));
    offset += p.numel();
  }
  return flat[offset];
}

void DataParallel::synchronize(torch::optim::Optimizer& optimizer) {
  if (!group_) return;
  torch::NoGradGuard no_grad;
  for (auto& p : params_) {
    torch::Tensor data = p.detach();
    group_->broadcast(data);
  }
  for (auto b : model_->buffers()) group_->broadcast(b);
  // The optimizer state (non-empty after --resume) travels as its serialised archive, which
  // maps state to parameters by position, not by address.
  std::string bytes;
  if (rank() == 0) {
    torch::serialize::OutputArchive archive;
    optimizer.save(archive);
    bytes = archive_bytes(archive);
  }
  torch::Tensor size = torch::tensor({static_cast<int64_t>(bytes.size())}, torch::kInt64);
  group_->broadcast(size);
  // Checked like a checkpoint: the length before allocating, the state against the model.
  if (size.item<int64_t>() < 0 || size.item<int64_t>() > (int64_t{1} << 34))
    throw Error("rank 0's optimizer state: impossible length " + std::to_string(size.item<int64_t>()));
  torch::Tensor buffer = torch::empty({size.item<int64_t>()}, torch::kUInt8);
  if (rank() == 0) std::memcpy(buffer.data_ptr<uint8_t>(), bytes.data(), bytes.size());
  group_->broadcast(buffer);
  if (rank() != 0) {
    torch::serialize::InputArchive archive;
    load_archive(archive, std::string(reinterpret_cast<const char*>(buffer.data_ptr<uint8_t>()), buffer.numel()),
                 "rank 0's optimizer state");
    try {
      optimizer.load(archive);
    } catch (const std::exception&) {
      throw Error("rank 0's optimizer state does not match the model");
    }
    check_optimizer_state(optimizer, "rank 0's optimizer state");
  }
}

}  // namespace latent
