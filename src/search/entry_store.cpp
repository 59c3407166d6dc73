#include "latent/search/entry_store.h"

#include <sqlite3.h>

#include <cstring>
#include <fstream>
#include <mutex>

#include "latent/base/error.h"

namespace latent {
namespace {

/// SQLite's application_id for latent's index files (PRAGMA application_id).
constexpr int kApplicationId = 0x4c544e49;  // "LTNI"

class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const std::string& path) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail();
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& text(int at, const std::string& value) {
    check(sqlite3_bind_text(stmt_, at, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Statement& blob(int at, const std::vector<uint8_t>& value) {
    check(sqlite3_bind_blob(stmt_, at, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Statement& integer(int at, int64_t value) {
    check(sqlite3_bind_int64(stmt_, at, value));
    return *this;
  }
  /// Runs one step: true while rows come.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail();
    return false;
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text_at(int column) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
  }
  std::vector<uint8_t> blob_at(int column) const {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
    return p ? std::vector<uint8_t>(p, p + sqlite3_column_bytes(stmt_, column)) : std::vector<uint8_t>();
  }
  int64_t integer_at(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail();
  }
  [[noreturn]] void fail() { throw Error(path_ + ": " + sqlite3_errmsg(db_)); }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  const std::string& path_;
};

StoredEntry entry_at(const Statement& row) { return {row.text_at(0), row.blob_at(1), row.integer_at(2)}; }

}  // namespace

struct EntryStore::Db {
  std::string path;
  sqlite3* handle = nullptr;
  std::mutex mutex;  ///< one statement at a time on the connection
  ~Db() { sqlite3_close(handle); }
  void exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(handle, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errmsg(handle);
      sqlite3_free(message);
      throw Error(path + ": " + text);
    }
  }
};

EntryStore::EntryStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}
EntryStore::EntryStore(EntryStore&&) noexcept = default;
EntryStore& EntryStore::operator=(EntryStore&&) noexcept = default;
EntryStore::~EntryStore() = default;

bool EntryStore::is_store(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[16] = {};
  return in.read(magic, sizeof magic) && std::memcmp(magic, "SQLite format 3", 16) == 0;
}

EntryStore EntryStore::create(const std::string& path, const nlohmann::json& header) {
  if (std::ifstream(path).good()) throw Error(path + ": exists; a new index needs a new file");
  auto db = std::make_unique<Db>();
  db->path = path;
  if (sqlite3_open_v2(path.c_str(), &db->handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK)
    throw Error(path + ": cannot create: " + sqlite3_errmsg(db->handle));
  db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
  db->exec(("PRAGMA application_id=" + std::to_string(kApplicationId) +
            "; BEGIN; CREATE TABLE header(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE entries(id TEXT NOT NULL UNIQUE, code BLOB NOT NULL, label INTEGER NOT NULL);")
               .c_str());
  Statement(db->handle, "INSERT INTO header VALUES('index', ?)", db->path).text(1, header.dump()).step();
  db->exec("COMMIT");
  EntryStore store(std::move(db));
  store.header_ = header;
  return store;
}

EntryStore EntryStore::open(const std::string& path) {
  if (!is_store(path)) throw Error(path + ": not a mutable index (no SQLite database)");
  auto db = std::make_unique<Db>();
  db->path = path;
  if (sqlite3_open_v2(path.c_str(), &db->handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK)
    throw Error(path + ": cannot open: " + sqlite3_errmsg(db->handle));
  db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
  Statement id(db->handle, "PRAGMA application_id", db->path);
  if (!id.step() || id.integer_at(0) != kApplicationId) throw Error(path + ": a SQLite database, not a latent index");
  Statement read(db->handle, "SELECT value FROM header WHERE key = 'index'", db->path);
  if (!read.step()) throw Error(path + ": damaged index (no header)");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(read.text_at(0));
  } catch (const nlohmann::json::exception&) {
    throw Error(path + ": damaged index header");
  }
  EntryStore store(std::move(db));
  store.header_ = std::move(header);
  return store;
}

std::vector<bool> EntryStore::write(const std::vector<EntryWrite>& writes) {
  std::lock_guard<std::mutex> lock(db_->mutex);
  std::vector<bool> found;
  found.reserve(writes.size());
  db_->exec("BEGIN IMMEDIATE");
  try {
    Statement exists(db_->handle, "SELECT 1 FROM entries WHERE id = ?", db_->path);
    Statement upsert(db_->handle,
                     "INSERT INTO entries(id, code, label) VALUES(?, ?, ?) "
                     "ON CONFLICT(id) DO UPDATE SET code = excluded.code, label = excluded.label",
                     db_->path);
    Statement remove(db_->handle, "DELETE FROM entries WHERE id = ?", db_->path);
    for (const EntryWrite& w : writes) {
      exists.text(1, w.entry.id);
      found.push_back(exists.step());
      exists.reset();
      Statement& change = w.remove ? remove : upsert;
      change.text(1, w.entry.id);
      if (!w.remove) change.blob(2, w.entry.code).integer(3, w.entry.label);
      change.step();
      change.reset();
    }
    db_->exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_->handle, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return found;
}

void EntryStore::for_each(const std::function<void(StoredEntry&&)>& visit) const {
  std::lock_guard<std::mutex> lock(db_->mutex);
  Statement all(db_->handle, "SELECT id, code, label FROM entries ORDER BY rowid", db_->path);
  while (all.step()) visit(entry_at(all));
}

std::optional<StoredEntry> EntryStore::get(const std::string& id) const {
  std::lock_guard<std::mutex> lock(db_->mutex);
  Statement one(db_->handle, "SELECT id, code, label FROM entries WHERE id = ?", db_->path);
  one.text(1, id);
  if (!one.step()) return std::nullopt;
  return entry_at(one);
}

}  // namespace latent
