#include "latent/runtime/random_draws.h"

#include <ATen/CPUGeneratorImpl.h>

namespace latent {
namespace {
thread_local c10::optional<at::Generator> t_generator;
}

c10::optional<at::Generator> draw_generator() { return t_generator; }

ScopedGenerator::ScopedGenerator(uint64_t seed) : previous_(t_generator) {
  t_generator = at::make_generator<at::CPUGeneratorImpl>(seed);
}

ScopedGenerator::~ScopedGenerator() { t_generator = previous_; }

}  // namespace latent
