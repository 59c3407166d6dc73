// The facade's Index: a mutable index file (SQLite record, codes in memory) or a read-only
// snapshot, searched with float rows of codes.
#include <variant>

#include "api/facade_parts.h"
#include "latent/base/error.h"
#include "latent/search/binary_codes.h"
#include "latent/search/entry_store.h"
#include "latent/search/mutable_index.h"

namespace latent::api {

struct Index::State {
  std::variant<MutableIndex, CodeIndex> index;  ///< a file that takes writes, or a snapshot
  template <class Reader>
  auto read(Reader&& reader) const {
    if (const auto* writable = std::get_if<MutableIndex>(&index)) return writable->read(reader);
    return reader(std::get<CodeIndex>(index));
  }
  MutableIndex& writable() {
    if (auto* writable = std::get_if<MutableIndex>(&index)) return *writable;
    throw Error("this index is a snapshot (latent index build): it takes no writes");
  }
};

namespace {

// The name a hit is known by: its key in a mutable index, else its file, else its row.
std::string hit_name(const IndexInfo& info, int64_t row) {
  if (info.keys.empty() && !info.paths.empty()) return info.paths[static_cast<size_t>(row)];
  const nlohmann::json id = entry_id(info, row);
  return id.is_string() ? id.get<std::string>() : id.dump();
}

std::vector<std::vector<Hit>> named(const std::vector<std::vector<SearchHit>>& found, const IndexInfo& info) {
  std::vector<std::vector<Hit>> out;
  for (const auto& hits : found) {
    out.emplace_back();
    for (const SearchHit& hit : hits) out.back().push_back({hit_name(info, hit.id), hit.distance, hit.similarity});
  }
  return out;
}

void check_width(MatrixView rows, int64_t dims, const char* what) {
  if (rows.rows <= 0 || rows.data == nullptr) throw Error(std::string(what) + ": no rows");
  if (rows.cols != dims)
    throw Error(std::string(what) + " have " + std::to_string(rows.cols) + " numbers a row, the index's codes " +
                std::to_string(dims));
}

}  // namespace

Index::Index(std::shared_ptr<State> state) : state_(std::move(state)) {}

Index Index::create(const std::string& path, const Model& model) {
  return guarded([&] {
    const LoadedModel& loaded = model.state().loaded;
    IndexInfo info;
    info.model_fingerprint = loaded.fingerprint;
    const bool binary = model.code_kind() == CodeKind::bits;
    return Index(std::make_shared<State>(State{MutableIndex::create(path, info, model.code_size(), binary)}));
  });
}

Index Index::open(const std::string& path) {
  return guarded([&] {
    if (EntryStore::is_store(path)) return Index(std::make_shared<State>(State{MutableIndex::open(path)}));
    return Index(std::make_shared<State>(State{CodeIndex::load(path)}));
  });
}

void Index::add(const std::vector<std::string>& ids, MatrixView codes) {
  guarded([&] {
    MutableIndex& index = state_->writable();
    check_width(codes, state_->read([](const CodeIndex& c) { return c.dims(); }), "codes");
    if (static_cast<int64_t>(ids.size()) != codes.rows)
      throw Error(std::to_string(ids.size()) + " ids for " + std::to_string(codes.rows) + " codes");
    std::vector<IndexChange> changes(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      changes[i].entry.id = ids[i];
      const float* row = codes.data + static_cast<int64_t>(i) * codes.cols;
      changes[i].entry.code.assign(row, row + codes.cols);
    }
    index.write(changes);
  });
}

int64_t Index::remove(const std::vector<std::string>& ids) {
  return guarded([&] {
    MutableIndex& index = state_->writable();
    std::vector<IndexChange> changes(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      changes[i].entry.id = ids[i];
      changes[i].remove = true;
    }
    int64_t were_there = 0;
    for (bool was : index.write(changes)) were_there += was;
    return were_there;
  });
}

int64_t Index::size() const {
  return state_->read([](const CodeIndex& index) { return index.size(); });
}

std::vector<std::vector<Hit>> Index::search(MatrixView queries, int64_t k) const {
  return guarded([&] {
    if (k < 1) throw Error("k must be >= 1");
    return state_->read([&](const CodeIndex& index) {
      check_width(queries, index.dims(), "queries");
      return named(index.search(queries.data, queries.rows, k), index.info());
    });
  });
}

std::vector<std::vector<Hit>> Index::search_radius(MatrixView queries, int radius) const {
  return guarded([&] {
    return state_->read([&](const CodeIndex& index) {
      if (!index.is_binary()) throw Error("a radius search needs an index of bits");
      check_width(queries, index.dims(), "queries");
      if (radius < 0 || radius > index.dims()) throw Error("radius must be in 0.." + std::to_string(index.dims()));
      const std::vector<uint8_t> packed = pack_bits(queries.data, queries.rows, index.dims());
      return named(index.search_radius(packed.data(), queries.rows, radius), index.info());
    });
  });
}

}  // namespace latent::api
