// Data-parallel training gives the parameters of one replica on the whole batch: 2 replica
// threads in-process, and 2 processes over c10d/Gloo on loopback (through the CLI); a
// checkpoint from a 2-process run resumes in one process.
#include <gtest/gtest.h>

#include <cstdlib>

#include "fixtures.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/base/worker_pool.h"
#include "latent/runtime/random_draws.h"
#include "latent/runtime/threads.h"
#include "latent/train/corruption.h"
#include "latent/train/data_parallel.h"
#include "latent/train/trainer.h"

namespace latent {
namespace {

using testing::mnist_slice;
using testing::mnist_spec;
using testing::scratch_path;

// Largest ||a - b|| / ||a|| over the parameter tensors.
double max_relative_difference(Autoencoder& a, Autoencoder& b) {
  auto pa = a->parameters(), pb = b->parameters();
  EXPECT_EQ(pa.size(), pb.size());
  double worst = 0;
  for (size_t i = 0; i < pa.size(); ++i)
    worst = std::max(worst, ((pa[i] - pb[i]).norm() / pa[i].norm()).item<double>());
  return worst;
}

TrainOptions options(int epochs) {
  TrainOptions o;
  o.epochs = epochs;
  o.batch = 100;
  o.lr = 1e-3;
  o.seed = 5;
  return o;
}

Trainer fresh_trainer(int epochs) {
  torch::manual_seed(11);
  return Trainer(Autoencoder(mnist_spec({64}, 16)), options(epochs));
}

class DataParallelTraining : public ::testing::Test {
 protected:
  void SetUp() override {
    set_quiet(true);
    configure_threads(2);
  }
};

// Trains the fixture's model with its gradients from a DataParallel engine with `parallel`.
Trainer train_with(const Dataset& data, int epochs, const ParallelOptions& parallel) {
  Trainer trainer = fresh_trainer(epochs);
  trainer.set_engine(std::make_unique<DataParallel>(trainer.model(), parallel));
  trainer.fit(data, Dataset{}, [](const EpochStats&, bool) {});
  return trainer;
}

// Largest relative parameter difference between two runs of `epochs` that should agree; their
// last losses agree, and training moved the weights far more than any tolerance below.
double run_difference(Trainer& a, Trainer& b, int epochs) {
  EXPECT_NEAR(a.state().history.back().train_loss, b.state().history.back().train_loss, 1e-5);
  Trainer untrained = fresh_trainer(epochs);
  EXPECT_GT(max_relative_difference(untrained.model(), a.model()), 1e-2);
  return max_relative_difference(a.model(), b.model());
}

// Largest relative parameter difference between 1 and `replicas` replica threads, both through
// autograd (one replica of a plain dense model would otherwise get the dense passes).
double replica_difference(const Dataset& data, int epochs, int replicas) {
  ParallelOptions one, split;
  one.engine = split.engine = "autograd";
  split.replicas = replicas;
  EXPECT_FALSE(one.dense(mnist_spec({64}, 16)));
  Trainer a = train_with(data, epochs, one), b = train_with(data, epochs, split);
  return run_difference(a, b, epochs);
}

TEST_F(DataParallelTraining, TwoReplicaThreadsMatchOneReplica) {
  // 20 Adam steps, one engine: the shards' gradients are summed in a different order, nothing else differs.
  EXPECT_LT(replica_difference(mnist_slice("train", 1000), 2, 2), 1e-5);
}

TEST_F(DataParallelTraining, UnevenShardsWeighInBySize) {
  // Batches of 100 over 3 replicas: shards of 33, 33 and 34 rows.
  EXPECT_LT(replica_difference(mnist_slice("train", 300), 1, 3), 1e-5);
}

TEST_F(DataParallelTraining, DensePassesOnTwoThreadsMatchOneThread) {
  // The dense passes split each batch over the training pool's threads: 1 thread against 2.
  Dataset data = mnist_slice("train", 1000);
  ParallelOptions dense;
  ASSERT_TRUE(dense.dense(mnist_spec({64}, 16)));
  configure_threads(1);
  ASSERT_EQ(training_pool().size(), 1);
  Trainer one = train_with(data, 2, dense);
  configure_threads(2);
  ASSERT_EQ(training_pool().size(), 2);
  Trainer two = train_with(data, 2, dense);
  EXPECT_LT(run_difference(one, two, 2), 1e-5);
}

// Replicas draw corruption and the VAE's ε on several threads at once and finish in any order:
// the same seed must still give the same weights (with one shared generator, which thread drew
// first decided the numbers; accumulated into .grad, which finished first decided the sum).
TEST_F(DataParallelTraining, RandomDrawsOfReplicasDoNotDependOnThreadTiming) {
  Dataset data = mnist_slice("train", 1000);
  auto train = [&] {
    torch::manual_seed(11);
    ModelSpec spec = mnist_spec({64}, 8);
    spec.code_head = CodeHead::gaussian;
    spec.corrupt = CorruptionSpec::parse("masking:0.3");
    Trainer trainer(Autoencoder(spec), options(2));
    ParallelOptions parallel;
    parallel.replicas = 3;  // three shards: also the order their gradients are summed in
    trainer.set_engine(std::make_unique<DataParallel>(trainer.model(), parallel));
    trainer.fit(data, Dataset{}, [](const EpochStats&, bool) {});
    return trainer;
  };
  Trainer first = train(), second = train();
  auto a = first.model()->parameters(), b = second.model()->parameters();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i;
}

TEST(ScopedGenerator, DrawsItsOwnNumbersAndLeavesTheDefaultAlone) {
  torch::manual_seed(3);
  torch::Tensor expected_default = torch::rand({4});
  torch::manual_seed(3);
  torch::Tensor scoped1, scoped2;
  {
    ScopedGenerator generator(42);
    scoped1 = corrupt(torch::ones({2, 50}), CorruptionSpec::parse("gaussian:1"));
  }
  {
    ScopedGenerator generator(42);
    scoped2 = corrupt(torch::ones({2, 50}), CorruptionSpec::parse("gaussian:1"));
  }
  EXPECT_TRUE(torch::equal(scoped1, scoped2));
  EXPECT_FALSE(draw_generator().has_value());
  EXPECT_TRUE(torch::equal(torch::rand({4}), expected_default));
}

TEST_F(DataParallelTraining, RejectsBadOptions) {
  ParallelOptions parallel;
  parallel.precision = "fp16";
  EXPECT_THROW(parallel.validate(), Error);
  parallel.precision = "fp32";
  parallel.processes.world_size = 2;
  parallel.processes.rank = 2;
  EXPECT_THROW(parallel.validate(), Error);
  EXPECT_THROW(parse_host_port("localhost"), Error);
  EXPECT_THROW(parse_host_port("localhost:99999"), Error);
  EXPECT_EQ(parse_host_port("10.0.0.1:29500").second, 29500);
}

// Runs the CLI; true when it exited 0.
bool run_cli(const std::string& args) {
  std::string command = std::string(LATENT_CLI) + " " + args + " 2>/dev/null";
  return std::system(command.c_str()) == 0;
}

Trainer load_checkpoint(const std::string& path) {
  Normalization norm;
  nlohmann::json meta;
  return Trainer::resume(path, norm, meta);
}

TEST_F(DataParallelTraining, TwoGlooProcessesMatchOneAndResumeInOne) {
  const std::string one = scratch_path("one.model"), two = scratch_path("two.model");
  const std::string common =
      "train --data mnist --limit 1000 --val 0.2 --layers 64 --latent 16 --batch 100 --lr 1e-3 "
      "--epochs 2 --seed 5 --threads 1";
  ASSERT_TRUE(run_cli(common + " --out " + one));
  ASSERT_TRUE(run_cli(common + " --nproc 2 --out " + two));
  Trainer a = load_checkpoint(one + ".ckpt"), b = load_checkpoint(two + ".ckpt");
  EXPECT_LT(max_relative_difference(a.model(), b.model()), 1e-5);
  EXPECT_NEAR(a.state().history.back().val_loss, b.state().history.back().val_loss, 1e-5);

  // The 2-process checkpoint continues in one process, to the same place as the 1-process run.
  ASSERT_TRUE(run_cli("train --resume " + two + ".ckpt --epochs 3 --threads 1 --out " + two));
  ASSERT_TRUE(run_cli("train --resume " + one + ".ckpt --epochs 3 --threads 1 --out " + one));
  Trainer a3 = load_checkpoint(one + ".ckpt"), b3 = load_checkpoint(two + ".ckpt");
  EXPECT_EQ(b3.state().epochs_done, 3);
  EXPECT_LT(max_relative_difference(a3.model(), b3.model()), 1e-5);
  for (const auto& path : {one, two}) {
    std::remove(path.c_str());
    std::remove((path + ".ckpt").c_str());
  }
}

}  // namespace
}  // namespace latent
