#pragma once
// How well an index retrieves same-label entries (relevant = same label as the query).
#include <cstdint>
#include <vector>

#include "latent/code_index.h"

namespace latent {

struct RetrievalMetrics {
  int64_t queries = 0;
  double map = 0;               ///< mean average precision over the whole ranking of the database
  double precision_at_100 = 0;  ///< fraction of the 100 nearest that share the query's label
  double query_us = 0;          ///< mean µs per query of a k=100 index search (one query at a time)
};

/// query_codes: n × index.dims(); query_labels: n. The index must hold labels.
RetrievalMetrics evaluate_retrieval(const CodeIndex& index, const std::vector<float>& query_codes,
                                    const std::vector<int64_t>& query_labels);

}  // namespace latent
