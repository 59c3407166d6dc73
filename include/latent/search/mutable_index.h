#pragma once
// An index that takes upserts and removals while it serves: entries have string ids (a file
// path, a URL, a key). EntryStore (SQLite) is the record; the CodeIndex in memory is loaded from
// it at open and answers searches. A batch of writes is one transaction; once it has committed,
// it is applied to the memory under a lock that searches share, so a search sees the index as it
// was before a batch or after it, never half of it. No torch here.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "latent/search/code_index.h"
#include "latent/search/entry_store.h"

namespace latent {

struct IndexEntry {
  std::string id;
  std::vector<float> code;  ///< dims numbers (binary: 0/1 per bit)
  int64_t label = -1;       ///< -1: none
};

/// One change of a write batch: an upsert of `entry`, or the removal of `entry.id`.
struct IndexChange {
  IndexEntry entry;
  bool remove = false;
};

class MutableIndex {
 public:
  /// A new, empty index file for codes of `dims` numbers (binary: bits). info: the model's
  /// fingerprint and path.
  static MutableIndex create(const std::string& path, IndexInfo info, int64_t dims, bool binary);
  static MutableIndex open(const std::string& path);
  /// The entries of an index file in memory, for one-off searches (keys in info().keys).
  static CodeIndex read_all(const std::string& path);

  /// Commits the changes in one transaction, then applies them; per change, whether its id
  /// was in the index before it. Refuses an id that is empty, longer than 1,024 bytes or holds
  /// a control character, and a code of the wrong size, before writing anything.
  std::vector<bool> write(const std::vector<IndexChange>& changes);
  /// Runs `reader` on the index in memory while no write changes it.
  template <class Reader>
  auto read(Reader&& reader) const {
    { std::lock_guard<std::mutex> turn(*turnstile_); }  // wait behind a writer that is waiting
    std::shared_lock<std::shared_mutex> lock(*memory_lock_);
    return reader(memory_);
  }
  /// The stored entry (from the record).
  std::optional<IndexEntry> get(const std::string& id) const;

  MutableIndex(MutableIndex&&) noexcept = default;
  MutableIndex& operator=(MutableIndex&&) noexcept = default;

 private:
  MutableIndex(EntryStore store, CodeIndex memory);
  void index_slots();
  EntryStore store_;
  CodeIndex memory_;
  std::unordered_map<std::string, int64_t> slot_of_;
  std::unique_ptr<std::shared_mutex> memory_lock_ = std::make_unique<std::shared_mutex>();
  /// Held by a writer while it waits for the memory: glibc's reader-writer lock lets a steady
  /// stream of searches starve a writer forever.
  std::unique_ptr<std::mutex> turnstile_ = std::make_unique<std::mutex>();
  std::unique_ptr<std::mutex> writer_ = std::make_unique<std::mutex>();  ///< batches apply in commit order
};

/// Refuses what cannot be an entry's id (see MutableIndex::write).
void check_entry_id(const std::string& id);

}  // namespace latent
