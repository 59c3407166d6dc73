#pragma once
// LATENT_CLONES before a loop function: GCC compiles it for AVX-512, AVX2 and baseline x86-64 and
// picks the best at load time (the build targets baseline x86-64, which has only 4-wide floats).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LATENT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LATENT_CLONES
#endif
