#pragma once
// A fixed set of worker threads that run one job together: run(work) calls work(0) on the
// calling thread and work(1..size()-1) on the workers, and returns when all are done.
// Workers spin briefly before sleeping, so back-to-back jobs (a training step's phases, a few
// hundred microseconds apart) do not pay a futex wake-up each.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

namespace latent {

/// Part t of `parts` nearly equal contiguous ranges of [0, n): {begin, end}.
inline std::pair<int64_t, int64_t> part_of(int64_t n, int t, int parts) { return {n * t / parts, n * (t + 1) / parts}; }

class WorkerPool {
 public:
  /// `threads` in all, the caller included (1: run() just calls work(0)). Each worker first
  /// calls `init` (thread-local settings a new thread does not inherit).
  explicit WorkerPool(int threads, const std::function<void()>& init = {});
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  /// Rethrows the first exception any part threw, after all parts finished. One job at a time.
  void run(const std::function<void(int)>& work);
  /// run(work) if no job is running (from any thread, or the caller's own job: a part that calls
  /// this gets false); false, having run nothing, if one is.
  bool try_run(const std::function<void(int)>& work);

 private:
  struct Shared;
  void loop(int index);
  void run_job(const std::function<void(int)>& work);

  std::unique_ptr<Shared> shared_;
  std::vector<std::thread> workers_;
};

}  // namespace latent
