#include "latent/runtime/threads.h"

#include <dlfcn.h>
#include <sched.h>

#include <memory>

#include <ATen/Parallel.h>

#include "latent/base/worker_pool.h"

namespace latent {
namespace {
int g_threads = 1;
}

int configured_threads() { return g_threads; }

void configure_worker_thread() {
  at::set_num_threads(1);
  at::globalContext().setFlushDenormal(true);
}

WorkerPool& training_pool() {
  static std::unique_ptr<WorkerPool> pool;
  if (!pool || pool->size() != g_threads) pool = std::make_unique<WorkerPool>(g_threads, configure_worker_thread);
  return *pool;
}

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  return 1;
}

void configure_threads(int threads) {
  if (threads <= 0) threads = available_cores();
  g_threads = threads;
  at::set_num_threads(1);
  // Adam's second moments of tiny gradients go subnormal after a few epochs, and subnormal
  // arithmetic is ~100x slower: a deep autoencoder dropped from 9k to 4.5k images/s at epoch 3.
  // Flush them to zero (this thread and the threads it starts later).
  at::globalContext().setFlushDenormal(true);
  set_blas_threads(threads);
}

void set_blas_threads(int threads) {
  // Looked up at run time: libtorch reaches OpenBLAS through libblas.so.3, whichever BLAS the
  // system's alternatives point at; with another BLAS there is nothing to set.
  using SetThreads = void (*)(int);
  if (auto set_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set_threads(threads);
}

}  // namespace latent
