#pragma once

namespace latent {

/// Sets the thread counts once at start-up. Debian's LibTorch runs its matrix multiplies in
/// OpenBLAS, whose thread pool torch::set_num_threads does not control; if both torch's OpenMP
/// pool and OpenBLAS's pool have `threads` workers they fight over the cores. So: OpenBLAS
/// gets `threads` (the GEMMs are most of the work), torch's own ops run on one thread.
/// Subnormal floats are flushed to zero. threads <= 0 means one per core.
void configure_threads(int threads);

/// OpenBLAS's thread count alone (data-parallel replicas give each GEMM one core).
void set_blas_threads(int threads);

/// The thread count configure_threads settled on (what latent's own parallel loops use).
int configured_threads();

/// Number of cores this process may run on.
int available_cores();

/// What a new worker thread does not inherit: torch's intra-op team of one (else every torch op
/// on it would start a team per core) and flush-to-zero. The init of every WorkerPool here.
void configure_worker_thread();

class WorkerPool;
/// The pool of configured_threads() threads (the caller counts as one) that latent's own
/// training loops share: the dense passes, the Adam update. Created on first use; each worker
/// runs torch ops on one thread and flushes subnormals.
WorkerPool& training_pool();

}  // namespace latent
