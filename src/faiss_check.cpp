#include "faiss_check.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>

#include <cstring>

#include "latent/error.h"

namespace latent {
namespace {

class Walker {
 public:
  Walker(const std::vector<uint8_t>& bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  template <typename T>
  T read() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  /// A vector: u64 element count, then the elements; returns the count.
  uint64_t vector(size_t element_size) {
    uint64_t n = read<uint64_t>();
    if (n > (bytes_.size() - pos_) / element_size) fail("a stored size exceeds the file");
    pos_ += n * element_size;
    return n;
  }
  void skip(size_t n) {
    need(n);
    pos_ += n;
  }
  bool at_end() const { return pos_ == bytes_.size(); }
  [[noreturn]] void fail(const std::string& why) const { throw Error(name_ + ": damaged FAISS index (" + why + ")"); }

 private:
  void need(size_t n) const {
    if (bytes_.size() - pos_ < n) fail("truncated");
  }
  const std::vector<uint8_t>& bytes_;
  const std::string& name_;
  size_t pos_ = 0;
};

uint32_t fourcc(const char* s) {
  uint32_t v;
  std::memcpy(&v, s, 4);
  return v;
}

// faiss' read_index_header: d, ntotal, two unused words, is_trained, metric (L2 only here).
void header(Walker& w, int32_t& d, int64_t& ntotal) {
  d = w.read<int32_t>();
  ntotal = w.read<int64_t>();
  w.skip(8 + 8 + 1);
  if (w.read<int32_t>() != 1) w.fail("not an L2 index");
  if (d < 1 || d > (1 << 20) || ntotal < 0) w.fail("dimensions");
}

void flat(Walker& w, int32_t expect_d, int64_t expect_ntotal) {
  if (w.read<uint32_t>() != fourcc("IxF2")) w.fail("not a flat L2 index");
  int32_t d;
  int64_t ntotal;
  header(w, d, ntotal);
  if (expect_d >= 0 && (d != expect_d || ntotal != expect_ntotal)) w.fail("graph and storage differ");
  if (w.vector(4) != static_cast<uint64_t>(ntotal) * static_cast<uint64_t>(d)) w.fail("code count");
}

}  // namespace

void check_faiss_bytes(const std::vector<uint8_t>& bytes, const std::string& name) {
  Walker w(bytes, name);
  Walker peek(bytes, name);
  uint32_t kind = peek.read<uint32_t>();
  if (kind == fourcc("IxF2")) {
    flat(w, -1, -1);
  } else if (kind == fourcc("IHNf")) {
    w.skip(4);
    int32_t d;
    int64_t ntotal;
    header(w, d, ntotal);
    w.vector(sizeof(double));  // assign_probas
    w.vector(sizeof(int));     // cum_nneighbor_per_level
    w.vector(sizeof(int));     // levels
    w.vector(sizeof(size_t));  // offsets
    w.vector(sizeof(faiss::HNSW::storage_idx_t));  // neighbors
    w.skip(5 * sizeof(int));   // entry_point, max_level, efConstruction, efSearch, upper_beam
    flat(w, d, ntotal);
  } else {
    w.fail("not a flat or HNSW index");
  }
  if (!w.at_end()) w.fail("trailing bytes");
}

void check_faiss_index(const faiss::Index& index, const std::string& name) {
  auto fail = [&](const std::string& why) { return Error(name + ": damaged FAISS index (" + why + ")"); };
  const auto* hnsw_index = dynamic_cast<const faiss::IndexHNSW*>(&index);
  if (!hnsw_index) return;  // a flat index: faiss checked its code count
  const faiss::HNSW& g = hnsw_index->hnsw;
  const size_t n = static_cast<size_t>(index.ntotal);
  if (!hnsw_index->storage || hnsw_index->storage->ntotal != index.ntotal) throw fail("storage");
  const std::vector<int>& cum = g.cum_nneighbor_per_level;
  if (cum.empty() || cum[0] != 0) throw fail("neighbours per level");
  for (size_t l = 1; l < cum.size(); ++l)
    if (cum[l] < cum[l - 1]) throw fail("neighbours per level");
  if (g.levels.size() != n || g.offsets.size() != n + 1 || g.offsets[0] != 0 || g.offsets[n] != g.neighbors.size())
    throw fail("graph sizes");
  for (size_t i = 0; i < n; ++i) {
    int levels = g.levels[i];
    if (levels < 1 || static_cast<size_t>(levels) >= cum.size() || g.offsets[i] > g.offsets[i + 1] ||
        g.offsets[i + 1] - g.offsets[i] != static_cast<size_t>(cum[static_cast<size_t>(levels)]))
      throw fail("graph levels");
  }
  // Node i's neighbours on level l are neighbors[offsets[i] + cum[l], offsets[i] + cum[l + 1]);
  // the search follows them on that level, so each must be a node that has that level.
  for (size_t i = 0; i < n; ++i)
    for (int l = 0; l < g.levels[i]; ++l)
      for (size_t j = g.offsets[i] + cum[l]; j < g.offsets[i] + cum[l + 1]; ++j) {
        faiss::HNSW::storage_idx_t v = g.neighbors[j];
        if (v < -1 || v >= index.ntotal || (v >= 0 && g.levels[v] <= l)) throw fail("a neighbour outside the graph");
      }
  if (n == 0) return;
  if (g.entry_point < 0 || static_cast<size_t>(g.entry_point) >= n || g.max_level != g.levels[g.entry_point] - 1)
    throw fail("entry point");
  // efSearch sizes the search's candidate heap.
  if (g.efSearch < 1 || g.efSearch > (1 << 16)) throw fail("efSearch");
}

}  // namespace latent
