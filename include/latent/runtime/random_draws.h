#pragma once
// Training's random draws (input corruption, code noise, the reparameterisation's ε, probe
// vectors) take their generator from draw_generator(): torch's default one, or, on a thread
// inside a ScopedGenerator, that scope's own. Data-parallel replicas draw on several threads at
// once; from the shared default generator each would get whatever the thread timing left it, so
// two runs with the same seed would differ. A generator per shard, seeded from the step, does not.
#include <cstdint>

#include <ATen/core/Generator.h>
#include <c10/util/Optional.h>

namespace latent {

/// nullopt (torch's default generator) unless this thread is inside a ScopedGenerator.
c10::optional<at::Generator> draw_generator();

/// Within its lifetime, draw_generator() on this thread returns a CPU generator seeded with `seed`.
class ScopedGenerator {
 public:
  explicit ScopedGenerator(uint64_t seed);
  ~ScopedGenerator();
  ScopedGenerator(const ScopedGenerator&) = delete;
  ScopedGenerator& operator=(const ScopedGenerator&) = delete;

 private:
  c10::optional<at::Generator> previous_;
};

}  // namespace latent
