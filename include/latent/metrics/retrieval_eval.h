#pragma once
// How well an index retrieves same-label entries (relevant = same label as the query).
#include <cstdint>
#include <vector>

#include "latent/search/code_index.h"

namespace latent {

struct RetrievalMetrics {
  int64_t queries = 0;
  double map = 0;               ///< mean average precision over the whole ranking of the database
  double precision_at_100 = 0;  ///< fraction of the 100 nearest that share the query's label
  double query_us = 0;          ///< mean µs per query of a k=100 index search (one query at a time)
                                ///< (binary: of a radius-2 hash lookup)
  // Binary codes only (Hamming ranking above; ties broken by id):
  double precision_radius2 =
      0;  ///< share of same-label entries within Hamming distance 2; a query finding none scores 0
  double mean_found_radius2 = 0;  ///< entries within distance 2, averaged over queries
  double empty_radius2 = 0;       ///< fraction of queries with nothing within distance 2
};

/// query_codes: n × index.dims(); query_labels: n. The index must hold labels. A binary index
/// thresholds the query codes at ½ and is scored by evaluate_binary_retrieval.
RetrievalMetrics evaluate_retrieval(const CodeIndex& index, const std::vector<float>& query_codes,
                                    const std::vector<int64_t>& query_labels);

/// query_codes: n × bits/8 packed bytes (binary_codes.h); the index must be binary and labelled.
RetrievalMetrics evaluate_binary_retrieval(const CodeIndex& index, const std::vector<uint8_t>& query_codes,
                                           const std::vector<int64_t>& query_labels);

}  // namespace latent
