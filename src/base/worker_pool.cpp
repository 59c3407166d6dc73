#include "latent/base/worker_pool.h"

#include <atomic>
#include <exception>
#include <mutex>
#include <stdexcept>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace latent {
namespace {
// ~50 µs of polling before a thread blocks: longer than the gap between a step's phases,
// short enough that an idle pool (between epochs, under load) costs nothing.
constexpr int kSpins = 20000;

inline void pause() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}
}  // namespace

struct WorkerPool::Shared {
  std::atomic<uint64_t> generation{0};
  std::atomic<int> pending{0};
  std::atomic<bool> busy{false};  // a job is running
  bool stop = false;              // guarded by mutex
  std::mutex mutex;
  std::condition_variable wake, done;
  const std::function<void(int)>* job = nullptr;
  std::vector<std::exception_ptr> errors;
};

WorkerPool::WorkerPool(int threads, const std::function<void()>& init) : shared_(std::make_unique<Shared>()) {
  shared_->errors.resize(static_cast<size_t>(std::max(threads, 1)));
  for (int index = 1; index < threads; ++index)
    workers_.emplace_back([this, index, init] {
      if (init) init();
      loop(index);
    });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->stop = true;
    shared_->generation.fetch_add(1);
  }
  shared_->wake.notify_all();
  for (auto& t : workers_) t.join();
}

void WorkerPool::loop(int index) {
  Shared& s = *shared_;
  uint64_t seen = 0;
  for (;;) {
    for (int spin = 0; spin < kSpins && s.generation.load(std::memory_order_acquire) == seen; ++spin) pause();
    if (s.generation.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(s.mutex);
      s.wake.wait(lock, [&] { return s.generation.load(std::memory_order_acquire) != seen; });
    }
    seen = s.generation.load(std::memory_order_acquire);
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      if (s.stop) return;
    }
    try {
      (*s.job)(index);
    } catch (...) {
      s.errors[static_cast<size_t>(index)] = std::current_exception();
    }
    if (s.pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(s.mutex);  // pairs with the caller's check under the lock
      s.done.notify_one();
    }
  }
}

bool WorkerPool::try_run(const std::function<void(int)>& work) {
  if (shared_->busy.exchange(true, std::memory_order_acquire)) return false;
  struct Free {
    std::atomic<bool>& busy;
    ~Free() { busy.store(false, std::memory_order_release); }
  } free{shared_->busy};
  run_job(work);
  return true;
}

void WorkerPool::run(const std::function<void(int)>& work) {
  if (!try_run(work)) throw std::logic_error("WorkerPool::run: the pool is running another job");
}

void WorkerPool::run_job(const std::function<void(int)>& work) {
  Shared& s = *shared_;
  if (workers_.empty()) {
    work(0);
    return;
  }
  s.job = &work;
  s.pending.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  s.generation.fetch_add(1, std::memory_order_release);
  // Taking the lock orders this wake-up after any worker's predicate check: none is lost.
  { std::lock_guard<std::mutex> lock(s.mutex); }
  s.wake.notify_all();
  try {
    work(0);
  } catch (...) {
    s.errors[0] = std::current_exception();
  }
  for (int spin = 0; spin < kSpins && s.pending.load(std::memory_order_acquire) != 0; ++spin) pause();
  if (s.pending.load(std::memory_order_acquire) != 0) {
    std::unique_lock<std::mutex> lock(s.mutex);
    s.done.wait(lock, [&] { return s.pending.load(std::memory_order_acquire) == 0; });
  }
  for (auto& e : s.errors)
    if (e) {
      std::exception_ptr first = e;
      for (auto& clear : s.errors) clear = nullptr;
      std::rethrow_exception(first);
    }
}

}  // namespace latent
