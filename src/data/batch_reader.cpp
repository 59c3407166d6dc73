#include "latent/data/batch_reader.h"

#include <utility>

namespace latent {

BatchReader::BatchReader(const Dataset& data) : data_(data), thread_([this] { loop(); }) {}

BatchReader::~BatchReader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BatchReader::request(torch::Tensor rows) {
  std::lock_guard<std::mutex> lock(mutex_);
  wanted_ = std::move(rows);
  changed_.notify_all();
}

torch::Tensor BatchReader::take() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return ready_.defined() || error_; });
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  return std::exchange(ready_, torch::Tensor());
}

void BatchReader::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(lock, [&] { return stop_ || wanted_.defined(); });
    if (stop_) return;
    torch::Tensor rows = std::exchange(wanted_, torch::Tensor());
    lock.unlock();
    torch::Tensor batch;
    std::exception_ptr error;
    try {
      batch = data_.gather(rows);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    ready_ = std::move(batch);
    error_ = error;
    changed_.notify_all();
  }
}

}  // namespace latent
