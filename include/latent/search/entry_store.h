#pragma once
// The store of record of a mutable index: a SQLite database in WAL mode with synchronous=FULL,
// so a write is on disk (its WAL frame synced) before write() returns, and a crash at any
// moment leaves every committed batch and nothing of an uncommitted one. No torch here.
//
//   header(key TEXT PRIMARY KEY, value TEXT)  "index": the IndexInfo JSON (model, kind, dims)
//   entries(id TEXT UNIQUE, code BLOB, label INTEGER)  in the order they were first written;
//     code: float32 numbers (float kinds) or packed bits (hash kinds)
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace latent {

struct StoredEntry {
  std::string id;
  std::vector<uint8_t> code;
  int64_t label = -1;  ///< -1: none
};

/// One change of a write batch: an upsert (code given) or a removal (remove).
struct EntryWrite {
  StoredEntry entry;
  bool remove = false;
};

class EntryStore {
 public:
  /// True when the file starts like a SQLite database.
  static bool is_store(const std::string& path);
  /// A new store (refused when the path exists) holding `header`.
  static EntryStore create(const std::string& path, const nlohmann::json& header);
  static EntryStore open(const std::string& path);

  const nlohmann::json& header() const { return header_; }
  /// All the writes in one transaction, committed (and synced) before it returns; per write,
  /// whether it found the id already there (an upsert replaced, a removal removed).
  std::vector<bool> write(const std::vector<EntryWrite>& writes);
  /// Every entry in the order first written.
  void for_each(const std::function<void(StoredEntry&&)>& visit) const;
  std::optional<StoredEntry> get(const std::string& id) const;

  EntryStore(EntryStore&&) noexcept;
  EntryStore& operator=(EntryStore&&) noexcept;
  ~EntryStore();

 private:
  struct Db;
  explicit EntryStore(std::unique_ptr<Db> db);
  std::unique_ptr<Db> db_;
  nlohmann::json header_;
};

}  // namespace latent
