#pragma once
// How well an index retrieves the entries relevant to a query: by default those with the query's
// label; RelevanceKeys states any other relevance (relevance_by_name: the same file name).
#include <cstdint>
#include <string>
#include <vector>

#include "latent/search/code_index.h"

namespace latent {

struct RetrievalMetrics {
  int64_t queries = 0;
  double map = 0;               ///< mean average precision over the whole ranking of the database
  double precision_at_100 = 0;  ///< fraction of the 100 nearest that are relevant (share the query's label)
  double top1_accuracy = 0;     ///< fraction of queries whose nearest entry is relevant
  double top10_accuracy = 0;    ///< fraction of queries with a relevant entry among the 10 nearest
  double query_us = 0;          ///< mean µs per query of a k=100 index search (one query at a time)
                                ///< (binary: of a radius-2 hash lookup)
  // Binary codes only (Hamming ranking above; ties broken by id):
  double precision_radius2 = 0;  ///< share of relevant entries within Hamming distance 2; a query finding none scores 0
  double mean_found_radius2 = 0;  ///< entries within distance 2, averaged over queries
  double empty_radius2 = 0;       ///< fraction of queries with nothing within distance 2
};

/// Relevance as keys: a database entry is relevant to a query when their keys are equal.
struct RelevanceKeys {
  std::vector<int64_t> database;  ///< one per index entry
  std::vector<int64_t> queries;   ///< one per query
};

/// Relevant = same label: the index's labels (throws if it holds none) and the queries' labels.
RelevanceKeys relevance_by_label(const CodeIndex& index, const std::vector<int64_t>& query_labels);

/// Relevant = same file name (a path's final component: "a/smileys/1f600.png" and
/// "b/faces/1f600.png" match), as ids numbering the distinct names.
RelevanceKeys relevance_by_name(const std::vector<std::string>& database_paths,
                                const std::vector<std::string>& query_paths);

/// query_codes: n × index.dims(); relevance.queries: n, relevance.database: index.size(). A binary
/// index thresholds the query codes at ½ and is scored by evaluate_binary_retrieval.
RetrievalMetrics evaluate_retrieval(const CodeIndex& index, const std::vector<float>& query_codes,
                                    const RelevanceKeys& relevance);

/// query_codes: n × bits/8 packed bytes (binary_codes.h); the index must be binary.
RetrievalMetrics evaluate_binary_retrieval(const CodeIndex& index, const std::vector<uint8_t>& query_codes,
                                           const RelevanceKeys& relevance);

/// Relevant = same label (relevance_by_label).
RetrievalMetrics evaluate_retrieval(const CodeIndex& index, const std::vector<float>& query_codes,
                                    const std::vector<int64_t>& query_labels);
RetrievalMetrics evaluate_binary_retrieval(const CodeIndex& index, const std::vector<uint8_t>& query_codes,
                                           const std::vector<int64_t>& query_labels);

}  // namespace latent
