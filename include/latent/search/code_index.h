#pragma once
// A searchable store of codes: a FAISS index (exact IndexFlatL2, or IndexHNSWFlat for large
// sets) plus, per entry, its label and source path, and the fingerprint of the model that made
// the codes, so an index is never queried through another model. No torch here.
//
// Cosine (IndexInfo::metric): each code is stored and queried as the unit vector of its
// difference from `centre`, the mean of the codes the index was built from, so the Euclidean
// search ranks by cosine similarity (‖a − b‖² = 2 − 2 cos) and a hit's similarity is 100·cos.
//
// Binary codes go in a Hamming table instead. A built index (kind "table") uses HammingTable
// (sorted buckets, multi-index hashing past 32 bits: hamming_table.h), 9 bytes an entry at 32
// bits; a mutable index's memory (kinds "hash", "multihash") uses FAISS IndexBinaryHash keyed by
// the whole code (≤ 64 bits) or IndexBinaryMultiHash beyond, whose buckets take removals. Either
// lookup is exact: a code within radius R matches one of m keys within ⌊R / m⌋ flips.
//
// File: a latent container of kind "index" whose payload is
//   u64 header length | header JSON | the index: FAISS index bytes (faiss::write_index, or
//   faiss::write_index_binary for kinds "hash" and "multihash"), or for kind "table" u64 bits
//   followed by the packed codes (the table is sorted again at load)
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "latent/io/model_parts.h"

namespace faiss {
struct Index;
struct IndexBinary;
struct IndexFlatL2;
}  // namespace faiss

namespace latent {

class HammingTable;

struct SearchHit {
  int64_t id = -1;        ///< row of the indexed split
  float distance = 0;     ///< Euclidean distance between the codes as stored (binary: Hamming distance)
  double similarity = 0;  ///< percent: 100·max(0, 1 − distance / similarity_scale), to 0.01
                          ///< (cosine: 100·max(0, cos); binary: 100·(1 − distance / bits), the share
                          ///< of equal bits)
};

struct IndexInfo {
  std::string model_fingerprint;   ///< of the model whose codes are stored
  std::string model_path;          ///< where that model was when the index was built (a default)
  std::string data, split;         ///< what was indexed
  int64_t only_class = -1;         ///< the label kept (--normal-class), or -1 for all
  int64_t limit = 0;               ///< the first `limit` samples after that selection (0: all)
  std::string data_fingerprint;    ///< of the indexed samples' values: serve checks its thumbnails (may be empty)
  std::vector<int64_t> labels;     ///< per entry, or empty
  std::vector<std::string> paths;  ///< per entry (images:DIR), or empty
  std::vector<std::string> keys;   ///< per entry, its id in a mutable index (mutable_index.h), or empty
  double similarity_scale = 1;     ///< median distance between random pairs of stored codes
  std::string kind = "flat";       ///< flat | hnsw | ivf | ivfpq | table | hash | multihash (the last three: binary)
  int64_t nprobe = 0;              ///< ivf, ivfpq: lists a search visits unless it asks for another number
  CodeMetric metric = CodeMetric::euclidean;  ///< float codes
  std::vector<float> centre;                  ///< cosine: subtracted from each code (set by build)
};

/// The id a search result shows for entry `row`: its key in a mutable index, else the row number.
nlohmann::json entry_id(const IndexInfo& info, int64_t row);

/// The header of an index file (without its per-entry lists when `per_entry` is false).
nlohmann::json index_info_json(const IndexInfo& info, bool per_entry = true);
/// Reads an index file's header; a damaged one is an Error naming `path`.
IndexInfo index_info_from_json(const nlohmann::json& j, const std::string& path);

class CodeIndex {
 public:
  /// codes: count × dims, row-major. hnsw: approximate graph index (M = 32) instead of exact.
  static CodeIndex build(const std::vector<float>& codes, int64_t dims, IndexInfo info, bool hnsw);
  /// An inverted file (FAISS IndexIVFFlat, or IndexIVFPQ with pq_m bytes a code when pq_m > 0):
  /// `lists` k-means cells trained on a sample of at most 64 codes a cell; a search visits the
  /// nprobe cells nearest the query (info.nprobe unless it asks for another number).
  static CodeIndex build_ivf(const std::vector<float>& codes, int64_t dims, IndexInfo info, int64_t lists,
                             int64_t pq_m);
  /// Packed binary codes (count × bits/8 bytes, see binary_codes.h) in a Hamming hash table.
  static CodeIndex build_binary(const std::vector<uint8_t>& codes, int64_t bits, IndexInfo info);
  /// No entries yet, for codes of `dims` numbers (binary: bits): a mutable index's memory.
  static CodeIndex empty(int64_t dims, bool binary, IndexInfo info);
  static CodeIndex load(const std::string& path);
  /// Writes atomically.
  void save(const std::string& path) const;

  /// The k nearest stored codes of each query (queries: n × dims), nearest first. A binary
  /// index thresholds the queries at ½ and ranks by Hamming distance (search_binary). nprobe:
  /// an inverted file's cells to visit (0: info().nprobe); other kinds ignore it.
  std::vector<std::vector<SearchHit>> search(const float* queries, int64_t n, int64_t k, int64_t nprobe = 0) const;

  /// Binary: every entry within Hamming distance `radius` of each query (queries packed like
  /// the stored codes), found by hash lookups, exact; nearest first, ties by id.
  std::vector<std::vector<SearchHit>> search_radius(const uint8_t* queries, int64_t n, int radius) const;
  /// Binary: the k nearest by Hamming distance (an exact scan), ties by id.
  std::vector<std::vector<SearchHit>> search_binary(const uint8_t* queries, int64_t n, int64_t k) const;
  bool is_binary() const { return bits_ > 0; }
  /// Binary: the stored packed codes, entry i at bytes [i·bits/8, (i+1)·bits/8).
  const std::vector<uint8_t>& binary_codes() const { return binary_codes_; }

  /// Appends n entries (codes: n × dims; binary: thresholded at ½ and packed) with, when the
  /// index keeps them, a label and a key each (labels, keys: n or empty).
  void add(const float* codes, int64_t n, const std::vector<int64_t>& labels, const std::vector<std::string>& keys);
  /// Removes entry `slot`; the last entry moves into it. Flat and hash indexes (not HNSW).
  void remove(int64_t slot);
  /// Float codes: the similarity scale from the stored codes again (median_pair_distance).
  void rescale_similarity();

  const IndexInfo& info() const { return info_; }
  int64_t size() const;
  int64_t dims() const;  ///< numbers per code (binary: bits)
  /// The stored codes (count × dims; cosine: their unit directions), for evaluations that rank
  /// the whole database.
  std::vector<float> stored_codes() const;
  /// n codes as the index stores and compares them (cosine: their unit directions around the
  /// centre; else unchanged): the queries of such an evaluation.
  std::vector<float> as_stored(const float* codes, int64_t n) const;

  CodeIndex(CodeIndex&&) noexcept;
  CodeIndex& operator=(CodeIndex&&) noexcept;
  ~CodeIndex();

 private:
  CodeIndex() = default;
  void cache_norms();
  std::vector<std::vector<SearchHit>> search_flat(const faiss::IndexFlatL2& flat, const float* queries, int64_t n,
                                                  int64_t k) const;
  SearchHit float_hit(int64_t id, float squared_distance) const;
  std::unique_ptr<faiss::Index> index_;         ///< float codes
  std::unique_ptr<faiss::IndexBinary> binary_;  ///< binary codes of a mutable index, or
  std::unique_ptr<HammingTable> table_;         ///< of a built one (then index_ is null)
  int64_t bits_ = 0;                            ///< binary codes: bits per code
  std::vector<uint8_t> binary_codes_;
  std::vector<float> flat_norms_;  ///< IndexFlatL2: ‖code‖² of each stored code
  IndexInfo info_;
};

}  // namespace latent
