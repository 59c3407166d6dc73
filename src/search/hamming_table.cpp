#include "latent/search/hamming_table.h"

#include <algorithm>
#include <cstring>

#include "latent/base/error.h"
#include "latent/search/binary_codes.h"

namespace latent {
namespace {

uint32_t read_key(const uint8_t* code, int offset, int bytes) {
  uint32_t key = 0;
  std::memcpy(&key, code + offset, static_cast<size_t>(bytes));  // little-endian: bit j is bit j of the code
  return key;
}

}  // namespace

int hamming_key_count(int64_t bits) {
  int64_t bytes = bits / 8, keys = (bits + 31) / 32;
  while (bytes % keys != 0) ++keys;
  return static_cast<int>(keys);
}

HammingTable HammingTable::build(const uint8_t* codes, int64_t count, int64_t bits) {
  if (bits < 8 || bits % 8 != 0) throw Error("binary codes need a multiple of 8 bits");
  if (count < 0 || count > int64_t{0xffffffff}) throw Error("a Hamming table holds at most 2^32 - 1 codes");
  HammingTable table;
  table.count_ = count;
  table.bits_ = bits;
  const int m = hamming_key_count(bits);
  const int key_bytes = static_cast<int>(bits / 8 / m), key_bits = key_bytes * 8;
  // About one prefix per 4 entries: a probe scans a bucket of a few keys.
  table.prefix_bits_ = key_bits;
  while (table.prefix_bits_ > 1 && (int64_t{1} << table.prefix_bits_) > std::max<int64_t>(count / 4, 1))
    --table.prefix_bits_;
  const int shift = key_bits - table.prefix_bits_;
  const auto code_bytes = static_cast<size_t>(bits / 8);
  for (int t = 0; t < m; ++t) {
    Table tab;
    tab.key_bytes = key_bytes;
    tab.offset = t * key_bytes;
    // (key, id) as one 64-bit number, sorted in place: the largest buffer the build needs.
    std::vector<uint64_t> pairs(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i)
      pairs[static_cast<size_t>(i)] =
          (uint64_t{read_key(codes + static_cast<size_t>(i) * code_bytes, tab.offset, key_bytes)} << 32) |
          static_cast<uint64_t>(i);
    std::sort(pairs.begin(), pairs.end());
    tab.keys.resize(pairs.size());
    tab.ids.resize(pairs.size());
    tab.directory.assign((size_t{1} << table.prefix_bits_) + 1, 0);
    for (size_t i = 0; i < pairs.size(); ++i) {
      tab.keys[i] = static_cast<uint32_t>(pairs[i] >> 32);
      tab.ids[i] = static_cast<uint32_t>(pairs[i]);
      ++tab.directory[(tab.keys[i] >> shift) + 1];
    }
    for (size_t p = 1; p < tab.directory.size(); ++p) tab.directory[p] += tab.directory[p - 1];
    table.tables_.push_back(std::move(tab));
  }
  if (m > 1) table.codes_.assign(codes, codes + static_cast<size_t>(count) * code_bytes);
  return table;
}

int64_t HammingTable::memory_bytes() const {
  int64_t bytes = static_cast<int64_t>(codes_.size());
  for (const Table& t : tables_)
    bytes += static_cast<int64_t>((t.keys.size() + t.ids.size() + t.directory.size()) * sizeof(uint32_t));
  return bytes;
}

void HammingTable::probe(const Table& table, uint32_t key, const uint8_t* query, int radius,
                         std::vector<std::pair<int, uint32_t>>& found) const {
  const int shift = table.key_bytes * 8 - prefix_bits_;
  const uint32_t prefix = key >> shift;
  const auto begin = table.keys.begin() + table.directory[prefix];
  const auto end = table.keys.begin() + table.directory[prefix + 1];
  for (auto at = std::lower_bound(begin, end, key); at != end && *at == key; ++at) {
    const uint32_t id = table.ids[static_cast<size_t>(at - table.keys.begin())];
    if (codes_.empty()) {  // one table: the key is the whole code
      found.emplace_back(__builtin_popcount(key ^ read_key(query, 0, table.key_bytes)), id);
      continue;
    }
    const int64_t bytes = bits_ / 8;
    const int distance = hamming_distance(query, codes_.data() + static_cast<size_t>(id) * bytes, bytes);
    if (distance <= radius) found.emplace_back(distance, id);
  }
}

std::vector<std::pair<int, uint32_t>> HammingTable::search_radius(const uint8_t* query, int radius) const {
  if (radius < 0 || radius > bits_) throw Error("the Hamming radius must be between 0 and " + std::to_string(bits_));
  std::vector<std::pair<int, uint32_t>> found;
  const int m = static_cast<int>(tables_.size());
  const int flips = radius / m;
  for (const Table& table : tables_) {
    const uint32_t key = read_key(query, table.offset, table.key_bytes);
    const int key_bits = table.key_bytes * 8;
    // Every key within `flips` bits of `key`, each once: flipped positions in increasing order.
    auto visit = [&](auto&& self, uint32_t probe_key, int from, int flipped) -> void {
      probe(table, probe_key, query, radius, found);
      if (flipped == flips) return;
      for (int b = from; b < key_bits; ++b) self(self, probe_key ^ (uint32_t{1} << b), b + 1, flipped + 1);
    };
    visit(visit, key, 0, 0);
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());  // a code found through two keys
  return found;
}

}  // namespace latent
