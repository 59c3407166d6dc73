#pragma once
// Turns concurrent one-item calls into batched calls: `latent serve` answers 32 connections'
// searches with one encoder pass and one FAISS search over all the queries waiting, which is
// one matrix multiply instead of 32 scans of the index (an exact IndexFlatL2 reads every stored
// code per call). No thread of its own: the first caller to find no batch running computes the
// batch of everyone waiting (up to max_batch, oldest first), then hands the next batch to the
// oldest caller still waiting. A job that throws fails every call in its batch.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

namespace latent {

template <class In, class Out>
class RequestBatcher {
 public:
  /// job(inputs) returns one output per input, in order.
  using Job = std::function<std::vector<Out>(std::vector<In>&)>;

  RequestBatcher(Job job, size_t max_batch) : job_(std::move(job)), max_batch_(max_batch < 1 ? 1 : max_batch) {}

  /// Blocks until this input's batch has run; returns its output or rethrows the job's error.
  Out submit(In input) {
    Call me(std::move(input));
    std::unique_lock<std::mutex> lock(mutex_);
    waiting_.push_back(&me);
    while (!me.done) {
      if (running_) {
        me.wake.wait(lock);
        continue;
      }
      running_ = true;
      std::vector<Call*> batch;
      while (!waiting_.empty() && batch.size() < max_batch_) {
        batch.push_back(waiting_.front());
        waiting_.pop_front();
      }
      lock.unlock();
      run(batch);
      lock.lock();
      for (Call* call : batch) {
        call->done = true;
        if (call != &me) call->wake.notify_one();  // under the lock: `call` lives until its thread wakes
      }
      running_ = false;
      if (!waiting_.empty()) waiting_.front()->wake.notify_one();  // the next batch's runner
    }
    if (me.error) std::rethrow_exception(me.error);
    return std::move(me.output);
  }

 private:
  struct Call {
    explicit Call(In in) : input(std::move(in)) {}
    In input;
    Out output{};
    std::exception_ptr error;
    bool done = false;
    std::condition_variable wake;
  };

  void run(const std::vector<Call*>& batch) {
    std::vector<In> inputs;
    inputs.reserve(batch.size());
    for (Call* call : batch) inputs.push_back(std::move(call->input));
    try {
      std::vector<Out> outputs = job_(inputs);
      if (outputs.size() != batch.size()) throw std::logic_error("RequestBatcher: the job returned the wrong count");
      for (size_t i = 0; i < batch.size(); ++i) batch[i]->output = std::move(outputs[i]);
    } catch (...) {
      for (Call* call : batch) call->error = std::current_exception();
    }
  }

  Job job_;
  size_t max_batch_;
  std::mutex mutex_;
  std::deque<Call*> waiting_;
  bool running_ = false;
};

}  // namespace latent
