#pragma once
// Exact Hamming radius search over very many binary codes (100M at 32 bits on 24 GB) by
// multi-index hashing over sorted buckets. The code is cut into m byte-aligned keys of at most 32
// bits (m = 1 up to 32 bits); a code within radius R of the query has at least one key within
// ⌊R/m⌋ of the query's key (else the distance would be at least m·(⌊R/m⌋ + 1) > R), so probing
// every key within ⌊R/m⌋ flips in each table and checking the whole code finds exactly the ball.
// Each table is the entries' keys sorted (4 bytes) with their ids (4 bytes) and a directory of
// where each top-`prefix_bits` prefix starts (4 bytes per prefix): a probe reads one directory
// slot and scans a bucket of a few keys. With m = 1 the key is the code and the full codes are
// not kept: 8 bytes per entry plus the directory, against about 100 for a FAISS IndexBinaryHash
// bucket (bench/index_scale.sh). Built once; ids are the codes' rows (at most 2³² − 1).
#include <cstdint>
#include <utility>
#include <vector>

namespace latent {

/// Keys of at most 32 bits that cut a code of `bits` (a multiple of 8) into equal whole-byte
/// pieces: the tables of a multi-index lookup (HammingTable, FAISS IndexBinaryMultiHash).
int hamming_key_count(int64_t bits);

class HammingTable {
 public:
  /// codes: count × bits/8 bytes, packed as binary_codes.h packs them; bits a multiple of 8.
  static HammingTable build(const uint8_t* codes, int64_t count, int64_t bits);

  /// Every entry within Hamming distance `radius` of the query (packed like the codes), as
  /// (distance, id) pairs sorted by distance, then id.
  std::vector<std::pair<int, uint32_t>> search_radius(const uint8_t* query, int radius) const;

  int64_t size() const { return count_; }
  int64_t bits() const { return bits_; }
  /// Bytes held: keys, ids, directories and (when m > 1) the full codes.
  int64_t memory_bytes() const;

 private:
  struct Table {
    int key_bytes = 0, offset = 0;    ///< the key: code bytes [offset, offset + key_bytes)
    std::vector<uint32_t> keys, ids;  ///< sorted by key
    std::vector<uint32_t> directory;  ///< 2^prefix_bits + 1 starts into keys
  };
  void probe(const Table& table, uint32_t key, const uint8_t* query, int radius,
             std::vector<std::pair<int, uint32_t>>& found) const;
  int64_t count_ = 0, bits_ = 0;
  int prefix_bits_ = 0;
  std::vector<Table> tables_;
  std::vector<uint8_t> codes_;  ///< the full codes (m > 1 only: a key match is then checked)
};

}  // namespace latent
