#include "search/faiss_check.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/utils/hamming.h>

#include <algorithm>
#include <cstring>

#include "latent/base/error.h"

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
  /// A vector of bytes: its count in `n` and where its bytes start.
  const uint8_t* byte_vector(uint64_t& n) {
    n = vector(1);
    return bytes_.data() + pos_ - n;
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

// faiss' write_index_binary_header: d, code_size, ntotal, is_trained, metric.
void binary_header(Walker& w, int32_t& d, int64_t& ntotal) {
  d = w.read<int32_t>();
  int32_t code_size = w.read<int32_t>();
  ntotal = w.read<int64_t>();
  w.skip(1 + 4);
  if (d < 8 || d > 4096 || d % 8 != 0 || code_size != d / 8 || ntotal < 0) w.fail("binary dimensions");
}

// IndexBinaryHash ("IBHh"): header, b, nflip, then the table (faiss' write_binary_hash_invlists).
void binary_hash(Walker& w) {
  int32_t d;
  int64_t ntotal;
  binary_header(w, d, ntotal);
  int32_t b = w.read<int32_t>();
  w.skip(4);  // nflip
  uint64_t buckets = w.read<uint64_t>();
  int32_t id_bits = w.read<int32_t>();
  if (b < 1 || b > 64 || id_bits < 0 || id_bits > 64) w.fail("hash key bits");
  uint64_t size = 0;
  const uint8_t* bits = w.byte_vector(size);
  if (buckets > (uint64_t{1} << 40) || size * 8 < static_cast<uint64_t>(b + id_bits) * buckets)
    w.fail("hash table size");
  // Each bucket's list length is in the bitstring; FAISS throws on a mismatch with the stored
  // ids only after allocating the index, which it then leaks: mismatches stop here instead.
  faiss::BitstringReader reader(bits, size);
  uint64_t entries = 0;
  for (uint64_t i = 0; i < buckets; ++i) {
    reader.read(b);
    const uint64_t length = id_bits == 0 ? 0 : reader.read(id_bits);
    entries += length;
    if (w.vector(sizeof(int64_t)) != length || w.vector(1) != length * static_cast<uint64_t>(d / 8))
      w.fail("hash bucket sizes");
  }
  // The codes are copied out by id (code_index.cpp): ntotal is what is allocated for them.
  if (entries != static_cast<uint64_t>(ntotal)) w.fail("entry count");
}

// One map of an IndexBinaryMultiHash: a bitstring holding, per key, b bits of hash, id_bits bits
// of list length, then that many ids of id_bits bits each. FAISS trusts the lengths (an assert,
// compiled out or not, is all that guards its reads), so they are walked here against the bits.
void multihash_map(Walker& w, int64_t b, int64_t id_bits, uint64_t keys, int64_t ntotal) {
  if (b < 1 || b > 64 || id_bits < 0 || id_bits > 64) w.fail("hash key bits");
  uint64_t size = 0;
  const uint8_t* bits = w.byte_vector(size);
  if (keys > (uint64_t{1} << 40)) w.fail("hash table size");
  // FAISS throws on another size after allocating the index (and leaks it): refused here first.
  if (size !=
      (static_cast<uint64_t>(b + id_bits) * keys + static_cast<uint64_t>(ntotal) * static_cast<uint64_t>(id_bits) + 7) /
          8)
    w.fail("hash table size");
  const uint64_t total = size * 8;
  faiss::BitstringReader reader(bits, size);
  uint64_t ids = 0;
  for (uint64_t key = 0; key < keys; ++key) {
    if (reader.i + static_cast<uint64_t>(b + id_bits) > total) w.fail("hash table size");
    reader.read(static_cast<int>(b));
    const uint64_t length = id_bits == 0 ? 0 : reader.read(static_cast<int>(id_bits));
    ids += length;
    if (ids > static_cast<uint64_t>(ntotal) || reader.i + length * static_cast<uint64_t>(id_bits) > total)
      w.fail("hash list lengths");
    reader.i += length * static_cast<uint64_t>(id_bits);
  }
}

// IndexBinaryMultiHash ("IBHm"): header, its flat storage ("IBxF"), b, nhash, nflip, nhash maps.
void binary_multihash(Walker& w) {
  int32_t d;
  int64_t ntotal;
  binary_header(w, d, ntotal);
  if (w.read<uint32_t>() != fourcc("IBxF")) w.fail("not a flat binary storage");
  int32_t storage_d;
  int64_t storage_ntotal;
  binary_header(w, storage_d, storage_ntotal);
  if (storage_d != d || storage_ntotal != ntotal || w.vector(1) != static_cast<uint64_t>(ntotal) * (d / 8))
    w.fail("storage");
  int32_t b = w.read<int32_t>();
  int32_t nhash = w.read<int32_t>();
  w.skip(4);  // nflip
  if (nhash < 1 || nhash > d) w.fail("hash count");
  for (int32_t h = 0; h < nhash; ++h) {
    int32_t id_bits = w.read<int32_t>();
    uint64_t keys = w.read<uint64_t>();
    multihash_map(w, b, id_bits, keys, ntotal);
  }
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
    w.vector(sizeof(double));                      // assign_probas
    w.vector(sizeof(int));                         // cum_nneighbor_per_level
    w.vector(sizeof(int));                         // levels
    w.vector(sizeof(size_t));                      // offsets
    w.vector(sizeof(faiss::HNSW::storage_idx_t));  // neighbors
    w.skip(5 * sizeof(int));                       // entry_point, max_level, efConstruction, efSearch, upper_beam
    flat(w, d, ntotal);
  } else if (kind == fourcc("IBHh")) {
    w.skip(4);
    binary_hash(w);
  } else if (kind == fourcc("IBHm")) {
    w.skip(4);
    binary_multihash(w);
  } else {
    w.fail("not a flat, HNSW or binary hash index");
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
