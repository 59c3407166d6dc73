#pragma once
// latent train's data-parallel flags: --replicas, --precision, --world-size/--rank/--master,
// --store-file, --nproc (a local launcher) and --timeout.
#include <memory>

#include <CLI/CLI.hpp>

#include "latent/train/data_parallel.h"
#include "latent/train/trainer.h"

namespace latent::cli {

struct ParallelCli {
  ParallelOptions options;
  std::string master = "127.0.0.1:29500";
  std::string store_file;
  int nproc = 0;
  int timeout_seconds = 20;

  void add_to(CLI::App* app);
  /// With --nproc N: runs this same command line as ranks 0..N-1, meeting through a file in a
  /// private directory (no port) and talking over loopback; waits for them
  /// and returns true (throws latent::Error if a rank failed). Without: returns false.
  bool launch();
  /// Validates; ranks other than 0 go quiet (rank 0 speaks for the run).
  void apply();
  /// Gives the trainer the gradient engine these flags ask for: joins the process group, if any,
  /// and gives every rank rank 0's weights and optimizer state. Returns whether this process
  /// writes the files (rank 0).
  bool attach(Trainer& trainer) const;
};

}  // namespace latent::cli
