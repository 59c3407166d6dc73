#pragma once
// The binary code head's penalty (bit balance and bit decorrelation, code_head.cpp's
// binary_code_penalty) and its gradient, from a batch's code moments: what the dense passes need
// once every shard has run its rows forward. No torch: plain loops over 32..256 bits.
#include <cstdint>
#include <vector>

namespace latent {

struct ModelSpec;

/// The gradient of the penalty with respect to row r's codes c_r: (c_r − mean)·matrix + offset.
struct BitPenalty {
  double value = 0;
  std::vector<float> mean, matrix, offset;  // [bits], [bits, bits] (symmetric), [bits]
};

/// sums[j] = Σ_r c_rj and products[i·bits + j] = Σ_r c_ri·c_rj (only read with decorrelation) over
/// the batch's n rows. The value and gradient are scaled by `share` (a shard's part of a bigger
/// batch; 1 otherwise).
BitPenalty bit_penalty(const ModelSpec& spec, const std::vector<double>& sums, const std::vector<double>& products,
                       int64_t n, double share);

}  // namespace latent
