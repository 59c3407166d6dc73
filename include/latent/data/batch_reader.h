#pragma once
// Reads a data set's batches on a thread of its own, so that the next batch of a pack is read
// and normalised while the current one trains: request() the rows, take() them.
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "latent/data/dataset.h"

namespace latent {

class BatchReader {
 public:
  explicit BatchReader(const Dataset& data);
  ~BatchReader();
  BatchReader(const BatchReader&) = delete;
  BatchReader& operator=(const BatchReader&) = delete;

  /// Starts reading data.gather(rows); the batch before must have been taken.
  void request(torch::Tensor rows);
  /// Waits for the batch requested last; rethrows what reading it threw.
  torch::Tensor take();

 private:
  void loop();
  const Dataset& data_;
  std::mutex mutex_;
  std::condition_variable changed_;
  torch::Tensor wanted_, ready_;
  std::exception_ptr error_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace latent
