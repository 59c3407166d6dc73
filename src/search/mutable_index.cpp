#include "latent/search/mutable_index.h"

#include <cstring>

#include "latent/base/error.h"
#include "latent/search/binary_codes.h"

namespace latent {
namespace {

/// After a write batch that began below this many entries, the similarity scale (a median over
/// random pairs) is estimated again; above it, at open only (it then hardly moves).
constexpr int64_t kRescaleBelow = 1000;

bool is_binary_kind(const IndexInfo& info) { return info.kind == "hash" || info.kind == "multihash"; }

std::vector<uint8_t> stored_code(const std::vector<float>& code, bool binary) {
  if (binary) return pack_bits(code.data(), 1, static_cast<int64_t>(code.size()));
  std::vector<uint8_t> bytes(code.size() * sizeof(float));
  std::memcpy(bytes.data(), code.data(), bytes.size());
  return bytes;
}

std::vector<float> code_of(const std::vector<uint8_t>& bytes, int64_t dims, bool binary, const std::string& id) {
  if (bytes.size() != static_cast<size_t>(binary ? dims / 8 : dims * 4))
    throw Error("damaged index: entry '" + id + "' has a code of " + std::to_string(bytes.size()) + " bytes");
  if (binary) return unpack_bits(bytes.data(), 1, dims);
  std::vector<float> code(static_cast<size_t>(dims));
  std::memcpy(code.data(), bytes.data(), bytes.size());
  return code;
}

int64_t header_dims(const EntryStore& store, const std::string& path) {
  const nlohmann::json dims = store.header().value("dims", nlohmann::json());
  if (!dims.is_number_integer()) throw Error(path + ": damaged index header");
  return dims.get<int64_t>();
}

}  // namespace

void check_entry_id(const std::string& id) {
  if (id.empty()) throw Error("an entry's id cannot be empty");
  if (id.size() > 1024) throw Error("an entry's id is longer than 1,024 bytes");
  for (unsigned char c : id)
    if (c < 0x20 || c == 0x7f) throw Error("an entry's id holds a control character");
}

MutableIndex::MutableIndex(EntryStore store, CodeIndex memory) : store_(std::move(store)), memory_(std::move(memory)) {
  index_slots();
}

void MutableIndex::index_slots() {
  slot_of_.clear();
  const std::vector<std::string>& keys = memory_.info().keys;
  for (size_t slot = 0; slot < keys.size(); ++slot) slot_of_[keys[slot]] = static_cast<int64_t>(slot);
}

MutableIndex MutableIndex::create(const std::string& path, IndexInfo info, int64_t dims, bool binary) {
  CodeIndex memory = CodeIndex::empty(dims, binary, std::move(info));
  nlohmann::json header = index_info_json(memory.info(), false);
  header["dims"] = dims;
  return MutableIndex(EntryStore::create(path, header), std::move(memory));
}

CodeIndex MutableIndex::read_all(const std::string& path) { return std::move(open(path).memory_); }

MutableIndex MutableIndex::open(const std::string& path) {
  EntryStore store = EntryStore::open(path);
  IndexInfo info = index_info_from_json(store.header(), path);
  const int64_t dims = header_dims(store, path);
  const bool binary = is_binary_kind(info);
  CodeIndex memory = CodeIndex::empty(dims, binary, std::move(info));
  // Added in blocks: one FAISS call per block, not per entry.
  std::vector<float> codes;
  std::vector<int64_t> labels;
  std::vector<std::string> keys;
  const auto flush = [&] {
    memory.add(codes.data(), static_cast<int64_t>(keys.size()), labels, keys);
    codes.clear();
    labels.clear();
    keys.clear();
  };
  store.for_each([&](StoredEntry&& entry) {
    const std::vector<float> code = code_of(entry.code, dims, binary, entry.id);
    codes.insert(codes.end(), code.begin(), code.end());
    labels.push_back(entry.label);
    keys.push_back(std::move(entry.id));
    if (keys.size() == 65536) flush();
  });
  flush();
  if (memory.size() >= 2) memory.rescale_similarity();
  return MutableIndex(std::move(store), std::move(memory));
}

std::vector<bool> MutableIndex::write(const std::vector<IndexChange>& changes) {
  const bool binary = memory_.is_binary();
  const auto dims = static_cast<size_t>(memory_.dims());
  std::vector<EntryWrite> writes;
  writes.reserve(changes.size());
  for (const IndexChange& change : changes) {
    check_entry_id(change.entry.id);
    if (!change.remove && change.entry.code.size() != dims)
      throw Error("entry '" + change.entry.id + "': a code of " + std::to_string(change.entry.code.size()) +
                  " numbers, the index holds " + std::to_string(dims));
    writes.push_back({{change.entry.id, change.remove ? std::vector<uint8_t>() : stored_code(change.entry.code, binary),
                       change.entry.label},
                      change.remove});
  }
  std::lock_guard<std::mutex> writer(*writer_);
  std::vector<bool> found = store_.write(writes);
  std::unique_lock<std::mutex> turn(*turnstile_);
  std::unique_lock<std::shared_mutex> lock(*memory_lock_);
  turn.unlock();
  const int64_t size_before = memory_.size();
  for (const IndexChange& change : changes) {
    auto at = slot_of_.find(change.entry.id);
    if (at != slot_of_.end()) {
      const int64_t slot = at->second;
      slot_of_.erase(at);
      memory_.remove(slot);
      if (slot < memory_.size()) slot_of_[memory_.info().keys[static_cast<size_t>(slot)]] = slot;
    }
    if (change.remove) continue;
    memory_.add(change.entry.code.data(), 1, {change.entry.label}, {change.entry.id});
    slot_of_[change.entry.id] = memory_.size() - 1;
  }
  // While the index is young its codes' spread still moves; a first batch of many entries sets it too.
  if (memory_.size() >= 2 && size_before < kRescaleBelow) memory_.rescale_similarity();
  return found;
}

std::optional<IndexEntry> MutableIndex::get(const std::string& id) const {
  std::optional<StoredEntry> stored = store_.get(id);
  if (!stored) return std::nullopt;
  return IndexEntry{stored->id, code_of(stored->code, memory_.dims(), memory_.is_binary(), id), stored->label};
}

}  // namespace latent
