#pragma once
// Matrix products for the dense passes, in Debian's oneDNN (libdnnl), which runs AVX-512 kernels
// here at about twice OpenBLAS's per thread (OpenBLAS is held to AVX2 by OPENBLAS_CORETYPE;
// bench/sgemm_rate measures both). Each runs on as many OpenMP threads as the calling thread's
// setting: the dense passes give each of their threads one.
#include <cstdint>

namespace latent {

/// C = op(A) · op(B) + beta·C, row-major (oneDNN's sgemm), for training: its summation order
/// changes with the shapes, so a row's result depends on how many rows come with it.
void dense_product(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                   const float* b, int64_t ldb, float* c, int64_t ldc, float beta = 0.0f);

/// out[m, n] = rows[m, k] · weight[n, k]ᵀ, all contiguous, giving a row the same result whatever m
/// (oneDNN's matmul primitive, one per shape, kept per thread): for inference, where a row
/// encoded alone must get the codes it gets in a batch.
void row_product(int64_t m, int64_t n, int64_t k, const float* rows, const float* weight, float* out);

/// A bfloat16 number's 16 bits.
using Bf16 = uint16_t;

/// to[i] = from[i] rounded to the nearest bfloat16 (oneDNN's reorder).
void to_bf16(const float* from, Bf16* to, int64_t n);

/// C[m, n] = op(A) · op(B) with bfloat16 A and B and float C, the sums in float (oneDNN's matmul,
/// AVX512-BF16 instructions where the CPU has them). All contiguous: A is [m, k] ([k, m] for
/// trans_a 'T'), B is [k, n] ([n, k] for trans_b 'T'), C is [m, n].
void bf16_product(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, const Bf16* a, const Bf16* b, float* c);

}  // namespace latent
