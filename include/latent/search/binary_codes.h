#pragma once
// Binary codes packed into bytes, and exact Hamming-distance ranking. No torch here.
// Bit j of a code is bit (j % 8) of byte j / 8 (least significant first), FAISS's order, so
// codes from faiss::IndexLSH / ITQ and from a binary autoencoder compare directly.
#include <cstdint>
#include <vector>

namespace latent {

/// values: n × bits row-major; each value > threshold becomes a 1. bits must be a multiple of 8.
std::vector<uint8_t> pack_bits(const float* values, int64_t n, int64_t bits, float threshold = 0.5f);
/// The inverse: n × bits values of 0 or 1.
std::vector<float> unpack_bits(const uint8_t* codes, int64_t n, int64_t bits);
/// Number of differing bits between two codes of `bytes` bytes.
int hamming_distance(const uint8_t* a, const uint8_t* b, int64_t bytes);
/// Hamming distances from one query to each of `count` codes.
void hamming_distances(const uint8_t* query, const uint8_t* codes, int64_t count, int64_t bytes, int* out);
/// Ids 0..count-1 ordered by distance (distances in 0..bits), ties by id: a counting sort.
std::vector<int64_t> rank_by_distance(const int* distances, int64_t count, int64_t bits);

}  // namespace latent
