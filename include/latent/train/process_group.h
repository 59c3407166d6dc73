#pragma once
// The processes of one data-parallel run, joined through torch c10d: a rendezvous store and a
// ProcessGroupGloo for the collectives. The store is a TCPStore at HOST:PORT (rank 0 hosts it, on
// every interface: LibTorch 1.13 cannot bind it to one address) or, for ranks on one machine, a
// FileStore: a file in a private directory, so no port is opened at all. Every call
// has a deadline: if a peer dies or stops answering, the call throws latent::Error naming the
// rank and the cause instead of hanging.
#include <chrono>
#include <memory>
#include <string>

#include <torch/torch.h>

namespace latent {

struct ProcessGroupOptions {
  int world_size = 1;
  int rank = 0;
  std::string master = "127.0.0.1:29500";  ///< HOST:PORT of rank 0's rendezvous
  std::string store_file;                  ///< when set, the ranks meet through this file instead
  std::chrono::seconds timeout{20};        ///< rendezvous, and every collective
};

class ProcessGroup {
 public:
  explicit ProcessGroup(const ProcessGroupOptions& options);
  ~ProcessGroup();

  int rank() const { return options_.rank; }
  int world_size() const { return options_.world_size; }

  /// In-place sum over all ranks of a contiguous float tensor.
  void allreduce_sum(torch::Tensor& flat);
  /// In-place copy of rank 0's values into every rank's tensor (contiguous).
  void broadcast(torch::Tensor& tensor);

 private:
  struct Impl;
  ProcessGroupOptions options_;
  std::unique_ptr<Impl> impl_;
};

/// "HOST:PORT" -> (host, port); throws latent::Error on anything else.
std::pair<std::string, uint16_t> parse_host_port(const std::string& text);

}  // namespace latent
