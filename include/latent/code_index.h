#pragma once
// A searchable store of codes: a FAISS index (exact IndexFlatL2, or IndexHNSWFlat for large
// sets) plus, per entry, its label and source path, and the fingerprint of the model that made
// the codes, so an index is never queried through another model. No torch here.
//
// File: a latent container of kind "index" whose payload is
//   u64 header length | header JSON | FAISS index bytes (faiss::write_index)
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace faiss {
struct Index;
}

namespace latent {

struct SearchHit {
  int64_t id = -1;        ///< row of the indexed split
  float distance = 0;     ///< Euclidean distance between the codes
  double similarity = 0;  ///< percent: 100·max(0, 1 − distance / similarity_scale), to 0.01
};

struct IndexInfo {
  std::string model_fingerprint;    ///< of the model whose codes are stored
  std::string model_path;           ///< where that model was when the index was built (a default)
  std::string data, split;          ///< what was indexed
  std::vector<int64_t> labels;      ///< per entry, or empty
  std::vector<std::string> paths;   ///< per entry (images:DIR), or empty
  double similarity_scale = 1;      ///< median distance between random pairs of stored codes
  std::string kind = "flat";        ///< flat | hnsw
};

class CodeIndex {
 public:
  /// codes: count × dims, row-major. hnsw: approximate graph index (M = 32) instead of exact.
  static CodeIndex build(const std::vector<float>& codes, int64_t dims, IndexInfo info, bool hnsw);
  static CodeIndex load(const std::string& path);
  /// Writes atomically.
  void save(const std::string& path) const;

  /// The k nearest stored codes of each query (queries: n × dims), nearest first.
  std::vector<std::vector<SearchHit>> search(const float* queries, int64_t n, int64_t k) const;

  const IndexInfo& info() const { return info_; }
  int64_t size() const;
  int64_t dims() const;
  /// The stored codes (count × dims), for evaluations that rank the whole database.
  std::vector<float> stored_codes() const;

  CodeIndex(CodeIndex&&) noexcept;
  CodeIndex& operator=(CodeIndex&&) noexcept;
  ~CodeIndex();

 private:
  CodeIndex() = default;
  std::unique_ptr<faiss::Index> index_;
  IndexInfo info_;
};

}  // namespace latent
