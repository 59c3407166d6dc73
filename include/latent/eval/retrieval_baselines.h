#pragma once
// Codes that do not need a trained model, to score learned codes against in the same run
// (`latent eval-retrieval --baseline`). All are fitted on the database only.
//   pixels     the inputs themselves, float, L2
//   pca        PCA to `bits` dimensions, float, L2
//   itq        full ITQ (Gong & Lazebnik 2011): PCA to `bits` dims on the whole database, then
//              50 iterations of orthogonal Procrustes rotation; bit = sign of the rotated value
//   faiss-itq  FAISS ITQTransform (PCA + ITQ; FAISS L2-normalises and subsamples the training set)
//   lsh        FAISS IndexLSH: signs of a random rotation (random projection LSH)
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace latent {

struct BaselineCodes {
  std::string name;  ///< e.g. "itq-32", "pixels"
  bool binary = false;
  int64_t dims = 0;                                ///< float dims, or bits
  std::vector<float> database, queries;            ///< float codes, row-major
  std::vector<uint8_t> database_bits, query_bits;  ///< binary codes, packed (binary_codes.h)
};

/// The names --baseline accepts.
const std::vector<std::string>& baseline_kinds();

/// Fits baseline `kind` on database_rows [N, D] and codes both them and query_rows [M, D]
/// (missing table cells filled as fill_missing_cells does).
/// bits: code size of pca/itq/faiss-itq/lsh (a multiple of 8 for the binary ones, at most D).
/// seed: ITQ's initial random rotation.
BaselineCodes make_baseline(const std::string& kind, int64_t bits, const torch::Tensor& database_rows,
                            const torch::Tensor& query_rows, uint64_t seed);

}  // namespace latent
