#pragma once
// Corruption drawn row by row from a counter-based hash: row r of a batch gets draws that depend
// only on the batch's key and r, so threads that split a batch any way corrupt it exactly as one
// thread would, and the dense passes corrupt each thread's rows on that thread. No torch header:
// compiled with the vectorising flags of the dense kernels (see CMakeLists.txt).
#include <cstdint>

#include "latent/io/regularizer_spec.h"

namespace latent {

/// out[r, :] = corrupted clean[r, :] for the batch rows first_row .. first_row + rows - 1 (clean
/// and out hold just those rows, [rows, width], and may not overlap).
void corrupt_rows(const float* clean, float* out, int64_t first_row, int64_t rows, int64_t width,
                  const CorruptionSpec& spec, uint64_t key);

}  // namespace latent
