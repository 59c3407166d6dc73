#include "latent/search/code_index.h"

#include <faiss/IndexBinaryHash.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <faiss/utils/distances.h>
#include <faiss/utils/hamming.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "base/json_number.h"
#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/io/container.h"
#include "latent/search/binary_codes.h"
#include "latent/search/hamming_table.h"
#include "search/faiss_check.h"

namespace latent {
namespace {

// Median distance between 1,000 random pairs of stored codes: a distance that far apart is
// "as unlike as two random entries", 0 % similar.
double median_pair_distance(const std::vector<float>& codes, int64_t dims) {
  int64_t count = static_cast<int64_t>(codes.size()) / dims;
  if (count < 2) return 1;
  std::mt19937_64 rng(42);
  std::vector<double> distances;
  for (int pair = 0; pair < 1000; ++pair) {
    int64_t a = static_cast<int64_t>(rng() % count), b = static_cast<int64_t>(rng() % count);
    double sum = 0;
    for (int64_t d = 0; d < dims; ++d) {
      double diff = codes[a * dims + d] - codes[b * dims + d];
      sum += diff * diff;
    }
    distances.push_back(std::sqrt(sum));
  }
  std::nth_element(distances.begin(), distances.begin() + 500, distances.end());
  return distances[500] > 0 ? distances[500] : 1;
}

bool nearer_first(const SearchHit& a, const SearchHit& b) {
  return a.distance < b.distance || (a.distance == b.distance && a.id < b.id);
}

double binary_similarity(int distance, int64_t bits) {
  return std::round(10000.0 * (1.0 - static_cast<double>(distance) / static_cast<double>(bits))) / 100.0;
}

// Copies the codes out of a loaded hash index, in id order.
std::vector<uint8_t> hash_index_codes(const faiss::IndexBinary& index) {
  std::vector<uint8_t> codes(static_cast<size_t>(index.ntotal * index.code_size));
  if (const auto* hash = dynamic_cast<const faiss::IndexBinaryHash*>(&index)) {
    for (const auto& bucket : hash->invlists)
      for (size_t i = 0; i < bucket.second.ids.size(); ++i) {
        if (bucket.second.ids[i] < 0 || bucket.second.ids[i] >= index.ntotal) throw Error("damaged hash index");
        std::memcpy(codes.data() + bucket.second.ids[i] * index.code_size,
                    bucket.second.vecs.data() + i * index.code_size, index.code_size);
      }
  } else if (const auto* multi = dynamic_cast<const faiss::IndexBinaryMultiHash*>(&index)) {
    codes = multi->storage->xb;
  } else {
    throw Error("not a Hamming hash index");
  }
  return codes;
}

bool is_ivf_kind(const std::string& kind) { return kind == "ivf" || kind == "ivfpq"; }

std::vector<float> mean_code(const std::vector<float>& codes, int64_t dims) {
  std::vector<double> sum(static_cast<size_t>(dims), 0.0);
  const int64_t count = static_cast<int64_t>(codes.size()) / dims;
  for (int64_t i = 0; i < count; ++i)
    for (int64_t d = 0; d < dims; ++d) sum[static_cast<size_t>(d)] += codes[static_cast<size_t>(i * dims + d)];
  std::vector<float> mean(static_cast<size_t>(dims));
  for (int64_t d = 0; d < dims; ++d)
    mean[static_cast<size_t>(d)] = static_cast<float>(sum[static_cast<size_t>(d)] / count);
  return mean;
}

// The codes as the index stores and searches them (n × d): cosine, the unit vectors of their
// differences from the centre (see code_index.h); else the codes.
std::vector<float> directions(const IndexInfo& info, const float* codes, int64_t n, int64_t d) {
  std::vector<float> out(codes, codes + n * d);
  if (info.metric != CodeMetric::cosine) return out;
  for (int64_t i = 0; i < n; ++i) {
    float* row = out.data() + i * d;
    double norm = 0;
    for (int64_t j = 0; j < d; ++j) {
      row[j] -= info.centre[static_cast<size_t>(j)];
      norm += static_cast<double>(row[j]) * row[j];
    }
    // A code at the centre has no direction: it stays the zero vector, at distance 1 from all.
    if (norm > 0)
      for (int64_t j = 0; j < d; ++j) row[j] = static_cast<float>(row[j] / std::sqrt(norm));
  }
  return out;
}

// Cosine: the centre from the codes built from; the info as searched (see code_index.h).
void centre_on(IndexInfo& info, const std::vector<float>& codes, int64_t dims) {
  info.centre.clear();
  if (info.metric == CodeMetric::cosine) info.centre = mean_code(codes, dims);
}

/// An empty inverted file over `lists` cells (trained later or loaded into).
std::unique_ptr<faiss::IndexIVF> empty_ivf(int64_t dims, int64_t lists, int64_t pq_m) {
  auto* quantizer = new faiss::IndexFlatL2(dims);
  std::unique_ptr<faiss::IndexIVF> ivf;
  if (pq_m > 0) ivf = std::make_unique<faiss::IndexIVFPQ>(quantizer, dims, lists, pq_m, 8);
  else ivf = std::make_unique<faiss::IndexIVFFlat>(quantizer, dims, lists);
  ivf->own_fields = true;
  return ivf;
}

// An inverted file on disk, in latent's own layout (FAISS never parses the file's bytes):
//   u64 dims, lists, pq_m (0: flat), count | f32 cell centroids [lists × dims]
//   | pq_m > 0: f32 PQ centroids [pq_m × 256 × dims/pq_m] | u64 list sizes [lists]
//   | per list: i64 ids [size], u8 codes [size × code bytes]
void write_ivf(const faiss::IndexIVF& ivf, std::vector<uint8_t>& out) {
  const auto put = [&](const void* data, size_t bytes) {
    const auto* p = static_cast<const uint8_t*>(data);
    out.insert(out.end(), p, p + bytes);
  };
  const auto* pq = dynamic_cast<const faiss::IndexIVFPQ*>(&ivf);
  const uint64_t head[4] = {static_cast<uint64_t>(ivf.d), ivf.nlist, pq ? pq->pq.M : 0,
                            static_cast<uint64_t>(ivf.ntotal)};
  put(head, sizeof head);
  const auto& centroids = dynamic_cast<const faiss::IndexFlatL2&>(*ivf.quantizer);
  put(centroids.get_xb(), ivf.nlist * static_cast<size_t>(ivf.d) * sizeof(float));
  if (pq) put(pq->pq.centroids.data(), pq->pq.centroids.size() * sizeof(float));
  for (size_t list = 0; list < ivf.nlist; ++list) {
    const uint64_t size = ivf.invlists->list_size(list);
    put(&size, 8);
  }
  for (size_t list = 0; list < ivf.nlist; ++list) {
    const size_t size = ivf.invlists->list_size(list);
    put(ivf.invlists->get_ids(list), size * sizeof(faiss::Index::idx_t));
    put(ivf.invlists->get_codes(list), size * ivf.code_size);
  }
}

/// Reads write_ivf's layout, checking every size and id before FAISS sees a number of it.
std::unique_ptr<faiss::IndexIVF> read_ivf(const uint8_t* data, size_t bytes, const std::string& path) {
  size_t at = 0;
  const auto take = [&](size_t n) {
    if (bytes - at < n) throw Error(path + ": damaged index file (inverted file truncated)");
    const uint8_t* p = data + at;
    at += n;
    return p;
  };
  uint64_t head[4];
  std::memcpy(head, take(sizeof head), sizeof head);
  const uint64_t dims = head[0], lists = head[1], pq_m = head[2], count = head[3];
  if (dims < 1 || dims > 65536 || lists < 1 || lists > (1u << 24) || pq_m > dims || (pq_m > 0 && dims % pq_m != 0) ||
      count > bytes || lists * (dims * sizeof(float) + 8) > bytes || (pq_m > 0 && 256 * dims * sizeof(float) > bytes))
    throw Error(path + ": damaged index file (inverted file sizes)");
  auto ivf = empty_ivf(static_cast<int64_t>(dims), static_cast<int64_t>(lists), static_cast<int64_t>(pq_m));
  const auto* centroids = reinterpret_cast<const float*>(take(lists * dims * sizeof(float)));
  std::vector<float> aligned(centroids, centroids + lists * dims);
  ivf->quantizer->add(static_cast<faiss::Index::idx_t>(lists), aligned.data());
  if (auto* pq = dynamic_cast<faiss::IndexIVFPQ*>(ivf.get())) {
    const size_t n = pq->pq.centroids.size();
    std::memcpy(pq->pq.centroids.data(), take(n * sizeof(float)), n * sizeof(float));
  }
  std::vector<uint64_t> sizes(lists);
  std::memcpy(sizes.data(), take(lists * 8), lists * 8);
  uint64_t total = 0;
  for (uint64_t size : sizes) {
    if (size > count - total) throw Error(path + ": damaged index file (inverted list sizes)");
    total += size;
  }
  if (total != count) throw Error(path + ": damaged index file (inverted list sizes)");
  std::vector<bool> seen(count, false);
  for (size_t list = 0; list < lists; ++list) {
    std::vector<faiss::Index::idx_t> ids(sizes[list]);
    std::memcpy(ids.data(), take(ids.size() * sizeof(faiss::Index::idx_t)), ids.size() * sizeof(faiss::Index::idx_t));
    for (faiss::Index::idx_t id : ids) {
      if (id < 0 || static_cast<uint64_t>(id) >= count || seen[static_cast<size_t>(id)])
        throw Error(path + ": damaged index file (an inverted list's id)");
      seen[static_cast<size_t>(id)] = true;
    }
    const uint8_t* codes = take(ids.size() * ivf->code_size);
    ivf->invlists->add_entries(list, ids.size(), ids.data(), codes);
  }
  if (at != bytes) throw Error(path + ": damaged index file (bytes after the inverted file)");
  ivf->ntotal = static_cast<faiss::Index::idx_t>(count);
  ivf->is_trained = true;
  if (auto* pq = dynamic_cast<faiss::IndexIVFPQ*>(ivf.get())) pq->precompute_table();
  ivf->make_direct_map(true);
  return ivf;
}

}  // namespace

nlohmann::json entry_id(const IndexInfo& info, int64_t row) {
  if (info.keys.empty()) return row;
  return info.keys[static_cast<size_t>(row)];
}

nlohmann::json index_info_json(const IndexInfo& info, bool per_entry) {
  nlohmann::json j = {{"model_fingerprint", info.model_fingerprint},
                      {"model_path", info.model_path},
                      {"data", info.data},
                      {"split", info.split},
                      {"only_class", info.only_class},
                      {"limit", info.limit},
                      {"data_fingerprint", info.data_fingerprint},
                      {"similarity_scale", info.similarity_scale},
                      {"kind", info.kind},
                      {"nprobe", info.nprobe},
                      {"metric", name_of(info.metric)}};
  if (info.metric == CodeMetric::cosine) j["centre"] = info.centre;
  if (per_entry) {
    j["labels"] = info.labels;
    j["paths"] = info.paths;
    j["keys"] = info.keys;
  }
  return j;
}

namespace {

IndexInfo read_index_info(const nlohmann::json& j) {
  IndexInfo info;
  info.model_fingerprint = j.at("model_fingerprint");
  info.model_path = j.at("model_path");
  info.data = j.at("data");
  info.split = j.at("split");
  // Indexes written before the selection was recorded have none of these three.
  info.only_class = json_int(j.value("only_class", nlohmann::json(-1)), -1, std::numeric_limits<int64_t>::max());
  info.limit = json_int(j.value("limit", nlohmann::json(0)), 0, std::numeric_limits<int64_t>::max());
  info.data_fingerprint = j.value("data_fingerprint", std::string());
  info.labels = json_ints(j.value("labels", nlohmann::json::array()), std::numeric_limits<int64_t>::min(),
                          std::numeric_limits<int64_t>::max());
  info.paths = j.value("paths", std::vector<std::string>());
  info.keys = j.value("keys", std::vector<std::string>());
  info.similarity_scale = j.at("similarity_scale");
  info.kind = j.at("kind");
  info.nprobe = json_int(j.value("nprobe", nlohmann::json(0)), 0, 1 << 24);
  // Indexes written before the metric was recorded are Euclidean.
  info.metric = parse_part<CodeMetric>("index metric", j.value("metric", "euclidean"));
  if (info.metric == CodeMetric::cosine) info.centre = j.at("centre").get<std::vector<float>>();
  return info;
}

}  // namespace

IndexInfo index_info_from_json(const nlohmann::json& j, const std::string& path) {
  try {
    return read_index_info(j);
  } catch (const nlohmann::json::exception&) {
    throw Error(path + ": damaged index header");
  } catch (const SettingError& e) {
    // Not a flag the user gave: name the file, not the setting's flag.
    throw Error(path + ": damaged index header (" + e.what() + ")");
  }
}

CodeIndex::CodeIndex(CodeIndex&&) noexcept = default;
CodeIndex& CodeIndex::operator=(CodeIndex&&) noexcept = default;
CodeIndex::~CodeIndex() = default;

CodeIndex CodeIndex::build(const std::vector<float>& codes, int64_t dims, IndexInfo info, bool hnsw) {
  if (dims <= 0 || codes.empty() || codes.size() % static_cast<size_t>(dims) != 0) throw Error("no codes to index");
  int64_t count = static_cast<int64_t>(codes.size()) / dims;
  CodeIndex index;
  centre_on(info, codes, dims);
  info.kind = hnsw ? "hnsw" : "flat";
  index.info_ = std::move(info);
  const std::vector<float> stored = directions(index.info_, codes.data(), count, dims);
  if (hnsw) index.index_ = std::make_unique<faiss::IndexHNSWFlat>(static_cast<int>(dims), 32);
  else index.index_ = std::make_unique<faiss::IndexFlatL2>(dims);
  index.index_->add(count, stored.data());
  index.info_.similarity_scale = median_pair_distance(stored, dims);
  index.cache_norms();
  return index;
}

CodeIndex CodeIndex::build_ivf(const std::vector<float>& codes_given, int64_t dims, IndexInfo info, int64_t lists,
                               int64_t pq_m) {
  if (dims <= 0 || codes_given.empty() || codes_given.size() % static_cast<size_t>(dims) != 0)
    throw Error("no codes to index");
  const int64_t count = static_cast<int64_t>(codes_given.size()) / dims;
  if (lists < 1 || lists > count)
    throw SettingError(
        "ivf", std::to_string(lists) + ": needs 1 to " + std::to_string(count) + " cells (at most one per code)");
  if (pq_m < 0 || (pq_m > 0 && dims % pq_m != 0))
    throw SettingError("pq", std::to_string(pq_m) + ": must divide the code's " + std::to_string(dims) + " numbers");
  if (pq_m > 0 && count < 256) throw SettingError("pq", "needs at least 256 codes to train its 256 centroids per part");
  CodeIndex index;
  centre_on(info, codes_given, dims);
  index.info_ = info;
  const std::vector<float> codes = directions(info, codes_given.data(), count, dims);
  std::unique_ptr<faiss::IndexIVF> ivf = empty_ivf(dims, lists, pq_m);
  // k-means on a sample: 64 codes a cell are plenty (FAISS itself caps at 256).
  const int64_t sample = std::min(count, std::max<int64_t>(64 * lists, pq_m > 0 ? 10000 : 0));
  std::vector<int64_t> order(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) order[static_cast<size_t>(i)] = i;
  std::mt19937_64 rng(42);
  std::vector<float> training(static_cast<size_t>(sample * dims));
  for (int64_t i = 0; i < sample; ++i) {
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(i + static_cast<int64_t>(rng() % (count - i)))]);
    std::memcpy(training.data() + i * dims, codes.data() + order[static_cast<size_t>(i)] * dims,
                static_cast<size_t>(dims) * sizeof(float));
  }
  ivf->cp.seed = 42;
  ivf->train(sample, training.data());
  ivf->add(count, codes.data());
  ivf->make_direct_map(true);
  index.index_ = std::move(ivf);
  info.kind = pq_m > 0 ? "ivfpq" : "ivf";
  if (info.nprobe <= 0) info.nprobe = std::min<int64_t>(lists, 16);
  info.similarity_scale = median_pair_distance(codes, dims);
  index.info_ = std::move(info);
  return index;
}

CodeIndex CodeIndex::build_binary(const std::vector<uint8_t>& codes, int64_t bits, IndexInfo info) {
  if (bits < 8 || bits % 8 != 0) throw Error("binary codes need a multiple of 8 bits");
  const auto bytes = static_cast<size_t>(bits / 8);
  if (codes.empty() || codes.size() % bytes != 0) throw Error("no codes to index");
  CodeIndex index;
  index.bits_ = bits;
  index.binary_codes_ = codes;
  index.table_ = std::make_unique<HammingTable>(
      HammingTable::build(codes.data(), static_cast<int64_t>(codes.size() / bytes), bits));
  info.kind = "table";
  info.similarity_scale = static_cast<double>(bits);
  info.metric = CodeMetric::euclidean;  // Hamming, as the kind says
  info.centre.clear();
  index.info_ = std::move(info);
  return index;
}

CodeIndex CodeIndex::empty(int64_t dims, bool binary, IndexInfo info) {
  CodeIndex index;
  if (!binary) {
    if (dims <= 0) throw Error("codes need at least one number");
    if (info.metric == CodeMetric::cosine)
      throw SettingError("metric", "cosine centres the codes on those an index is built from: use latent index build");
    index.index_ = std::make_unique<faiss::IndexFlatL2>(dims);
    info.kind = "flat";
    index.info_ = std::move(info);
    index.cache_norms();
    return index;
  }
  if (dims < 8 || dims % 8 != 0) throw Error("binary codes need a multiple of 8 bits");
  index.bits_ = dims;
  if (dims <= 64) {
    index.binary_ = std::make_unique<faiss::IndexBinaryHash>(static_cast<int>(dims), static_cast<int>(dims));
    info.kind = "hash";
  } else {
    int keys = hamming_key_count(dims);
    index.binary_ =
        std::make_unique<faiss::IndexBinaryMultiHash>(static_cast<int>(dims), keys, static_cast<int>(dims / keys));
    info.kind = "multihash";
  }
  info.similarity_scale = static_cast<double>(dims);
  index.info_ = std::move(info);
  return index;
}

void CodeIndex::add(const float* codes, int64_t n, const std::vector<int64_t>& labels,
                    const std::vector<std::string>& keys) {
  if (n <= 0) return;
  const auto per_entry = [&](size_t given, size_t held) {
    if ((given != 0 && given != static_cast<size_t>(n)) || (size() > 0 && (given == 0) != (held == 0)))
      throw Error("an index keeps a label and a key for every entry or for none");
  };
  per_entry(labels.size(), info_.labels.size());
  per_entry(keys.size(), info_.keys.size());
  if (is_binary()) {
    if (!binary_) throw Error("a built index takes no new entries; latent index add makes one that does");
    const std::vector<uint8_t> packed = pack_bits(codes, n, dims());
    binary_->add(n, packed.data());
    binary_codes_.insert(binary_codes_.end(), packed.begin(), packed.end());
  } else {
    auto* flat = dynamic_cast<faiss::IndexFlatL2*>(index_.get());
    if (!flat) throw Error("an HNSW index or inverted file takes no new entries; build a flat one");
    const std::vector<float> stored = as_stored(codes, n);
    flat->add(n, stored.data());
    flat_norms_.resize(static_cast<size_t>(flat->ntotal));
    faiss::fvec_norms_L2sqr(flat_norms_.data() + (flat->ntotal - n), stored.data(), static_cast<size_t>(flat->d),
                            static_cast<size_t>(n));
  }
  info_.labels.insert(info_.labels.end(), labels.begin(), labels.end());
  info_.keys.insert(info_.keys.end(), keys.begin(), keys.end());
}

namespace {

// Moves the last entry's id to `slot` (the entry at `slot` is gone) in one hash bucket.
void move_last_id(std::vector<faiss::Index::idx_t>& ids, faiss::Index::idx_t last, faiss::Index::idx_t slot) {
  for (auto& id : ids)
    if (id == last) id = slot;
}

}  // namespace

void CodeIndex::remove(int64_t slot) {
  const int64_t last = size() - 1;
  if (slot < 0 || slot > last) throw Error("no entry " + std::to_string(slot));
  const auto move_last = [&](auto& per_entry) {
    if (per_entry.empty()) return;
    per_entry[static_cast<size_t>(slot)] = std::move(per_entry[static_cast<size_t>(last)]);
    per_entry.pop_back();
  };
  move_last(info_.labels);
  move_last(info_.keys);
  move_last(info_.paths);
  if (!is_binary()) {
    auto* flat = dynamic_cast<faiss::IndexFlatL2*>(index_.get());
    if (!flat) throw Error("an HNSW index or inverted file cannot remove entries; build a flat one");
    const size_t bytes = flat->code_size;
    std::memmove(flat->codes.data() + slot * bytes, flat->codes.data() + last * bytes, bytes);
    flat->codes.resize(static_cast<size_t>(last) * bytes);
    flat->ntotal = last;
    move_last(flat_norms_);
    return;
  }
  if (!binary_) throw Error("a built index cannot remove entries; latent index add makes one that can");
  // The hash tables key each code by its bits read as FAISS reads them (BitstringReader).
  const size_t bytes = static_cast<size_t>(binary_->code_size);
  const uint8_t* gone = binary_codes_.data() + slot * bytes;
  const uint8_t* moved = binary_codes_.data() + last * bytes;
  if (auto* hash = dynamic_cast<faiss::IndexBinaryHash*>(binary_.get())) {
    const auto key = [&](const uint8_t* code) { return faiss::BitstringReader(code, bytes).read(hash->b); };
    auto& bucket = hash->invlists.at(static_cast<faiss::Index::idx_t>(key(gone)));
    const auto at = std::find(bucket.ids.begin(), bucket.ids.end(), slot) - bucket.ids.begin();
    bucket.ids.erase(bucket.ids.begin() + at);
    bucket.vecs.erase(bucket.vecs.begin() + at * static_cast<long>(bytes),
                      bucket.vecs.begin() + (at + 1) * static_cast<long>(bytes));
    if (bucket.ids.empty()) hash->invlists.erase(static_cast<faiss::Index::idx_t>(key(gone)));
    if (slot != last) move_last_id(hash->invlists.at(static_cast<faiss::Index::idx_t>(key(moved))).ids, last, slot);
  } else {
    auto& multi = dynamic_cast<faiss::IndexBinaryMultiHash&>(*binary_);
    faiss::BitstringReader gone_bits(gone, bytes), moved_bits(moved, bytes);
    for (auto& map : multi.maps) {
      const auto gone_key = static_cast<faiss::Index::idx_t>(gone_bits.read(multi.b));
      const auto moved_key = static_cast<faiss::Index::idx_t>(moved_bits.read(multi.b));
      auto& ids = map.at(gone_key);
      ids.erase(std::find(ids.begin(), ids.end(), slot));
      if (ids.empty()) map.erase(gone_key);
      if (slot != last) move_last_id(map.at(moved_key), last, slot);
    }
    auto& xb = multi.storage->xb;
    std::memmove(xb.data() + slot * bytes, xb.data() + last * bytes, bytes);
    xb.resize(static_cast<size_t>(last) * bytes);
    multi.storage->ntotal = last;
  }
  std::memmove(binary_codes_.data() + slot * bytes, moved, bytes);
  binary_codes_.resize(static_cast<size_t>(last) * bytes);
  binary_->ntotal = last;
}

void CodeIndex::rescale_similarity() {
  if (!is_binary()) info_.similarity_scale = median_pair_distance(stored_codes(), dims());
}

int64_t CodeIndex::size() const {
  return bits_ > 0 ? static_cast<int64_t>(binary_codes_.size()) / (bits_ / 8) : index_->ntotal;
}
int64_t CodeIndex::dims() const { return bits_ > 0 ? bits_ : index_->d; }

std::vector<std::vector<SearchHit>> CodeIndex::search_radius(const uint8_t* queries, int64_t n, int radius) const {
  if (!is_binary())
    throw SettingError("hamming radius", "needs an index of binary codes (a model trained with --type binary)");
  if (radius < 0 || radius > dims())
    throw SettingError("hamming radius", "must be between 0 and " + std::to_string(dims()));
  std::vector<std::vector<SearchHit>> hits(static_cast<size_t>(n));
  if (table_) {
    for (int64_t q = 0; q < n; ++q)
      for (const auto& [distance, id] : table_->search_radius(queries + q * (bits_ / 8), radius)) {
        SearchHit hit;
        hit.id = id;
        hit.distance = static_cast<float>(distance);
        hit.similarity = binary_similarity(distance, dims());
        hits[static_cast<size_t>(q)].push_back(hit);
      }
    return hits;
  }
  // FAISS returns distances < its radius, from buckets within nflip flips of the query's key(s).
  if (auto* hash = dynamic_cast<faiss::IndexBinaryHash*>(binary_.get())) hash->nflip = radius;
  if (auto* multi = dynamic_cast<faiss::IndexBinaryMultiHash*>(binary_.get())) multi->nflip = radius / multi->nhash;
  faiss::RangeSearchResult result(n);
  binary_->range_search(n, queries, radius + 1, &result);
  for (int64_t q = 0; q < n; ++q) {
    auto& row = hits[static_cast<size_t>(q)];
    for (size_t at = result.lims[q]; at < result.lims[q + 1]; ++at) {
      SearchHit hit;
      hit.id = result.labels[at];
      hit.distance = result.distances[at];
      hit.similarity = binary_similarity(static_cast<int>(hit.distance), dims());
      row.push_back(hit);
    }
    std::sort(row.begin(), row.end(), nearer_first);
  }
  return hits;
}

std::vector<std::vector<SearchHit>> CodeIndex::search_binary(const uint8_t* queries, int64_t n, int64_t k) const {
  if (!is_binary()) throw Error("not an index of binary codes");
  k = std::min(k, size());
  if (k < 1) throw Error("-k must be at least 1");
  const int64_t bytes = dims() / 8;
  std::vector<int> distances(static_cast<size_t>(size()));
  std::vector<std::vector<SearchHit>> hits(static_cast<size_t>(n));
  for (int64_t q = 0; q < n; ++q) {
    hamming_distances(queries + q * bytes, binary_codes_.data(), size(), bytes, distances.data());
    std::vector<int64_t> order = rank_by_distance(distances.data(), size(), dims());
    for (int64_t r = 0; r < k; ++r) {
      SearchHit hit;
      hit.id = order[static_cast<size_t>(r)];
      hit.distance = static_cast<float>(distances[static_cast<size_t>(hit.id)]);
      hit.similarity = binary_similarity(distances[static_cast<size_t>(hit.id)], dims());
      hits[static_cast<size_t>(q)].push_back(hit);
    }
  }
  return hits;
}

std::vector<std::vector<SearchHit>> CodeIndex::search(const float* queries_given, int64_t n, int64_t k,
                                                      int64_t nprobe) const {
  if (is_binary()) return search_binary(pack_bits(queries_given, n, dims()).data(), n, k);
  k = std::min(k, size());
  if (k < 1) throw Error("-k must be at least 1");
  // Euclidean queries are searched as given; only cosine ones need their directions.
  std::vector<float> held;
  if (info_.metric == CodeMetric::cosine) held = as_stored(queries_given, n);
  const float* queries = held.empty() ? queries_given : held.data();
  if (const auto* flat = dynamic_cast<const faiss::IndexFlatL2*>(index_.get()))
    return search_flat(*flat, queries, n, k);
  std::vector<float> distances(static_cast<size_t>(n * k));
  std::vector<faiss::Index::idx_t> ids(static_cast<size_t>(n * k));
  faiss::SearchParametersIVF cells;
  cells.nprobe = static_cast<size_t>(nprobe > 0 ? nprobe : std::max<int64_t>(info_.nprobe, 1));
  index_->search(n, queries, k, distances.data(), ids.data(),
                 dynamic_cast<const faiss::IndexIVF*>(index_.get()) ? &cells : nullptr);
  std::vector<std::vector<SearchHit>> hits(static_cast<size_t>(n));
  for (int64_t q = 0; q < n; ++q)
    for (int64_t r = 0; r < k; ++r) {
      size_t at = static_cast<size_t>(q * k + r);
      if (ids[at] < 0) continue;  // HNSW and inverted files may find fewer than k
      hits[static_cast<size_t>(q)].push_back(float_hit(ids[at], distances[at]));
    }
  return hits;
}

std::vector<float> CodeIndex::stored_codes() const {
  if (is_binary()) return unpack_bits(binary_codes_.data(), size(), dims());
  std::vector<float> codes(static_cast<size_t>(size() * dims()));
  index_->reconstruct_n(0, size(), codes.data());
  return codes;
}

std::vector<float> CodeIndex::as_stored(const float* codes, int64_t n) const {
  return directions(info_, codes, n, dims());
}

void CodeIndex::save(const std::string& path) const {
  faiss::VectorIOWriter writer;
  if (table_) {
    writer.data.resize(8);
    const uint64_t bits = static_cast<uint64_t>(bits_);
    std::memcpy(writer.data.data(), &bits, 8);
    writer.data.insert(writer.data.end(), binary_codes_.begin(), binary_codes_.end());
  } else if (const auto* ivf = dynamic_cast<const faiss::IndexIVF*>(index_.get())) {
    write_ivf(*ivf, writer.data);
  } else if (binary_) {
    faiss::write_index_binary(binary_.get(), &writer);
  } else {
    faiss::write_index(index_.get(), &writer);
  }
  std::string header = index_info_json(info_).dump();
  std::string payload(8, '\0');
  uint64_t header_size = header.size();
  std::memcpy(payload.data(), &header_size, 8);
  payload += header;
  payload.append(reinterpret_cast<const char*>(writer.data.data()), writer.data.size());
  write_file_atomic(path, pack_container("index", payload));
}

CodeIndex CodeIndex::load(const std::string& path) {
  std::string payload = read_container(path, "index");
  uint64_t header_size = 0;
  if (payload.size() < 8) throw Error(path + ": damaged index file");
  std::memcpy(&header_size, payload.data(), 8);
  if (header_size > payload.size() - 8) throw Error(path + ": damaged index file");
  CodeIndex index;
  // Text that is not JSON parses to a discarded value, which the header's reader refuses.
  index.info_ = index_info_from_json(nlohmann::json::parse(payload.substr(8, header_size), nullptr, false), path);
  const size_t body = 8 + static_cast<size_t>(header_size);
  if (index.info_.kind == "table") {
    uint64_t bits = 0;
    if (payload.size() - body < 8) throw Error(path + ": damaged index file (truncated)");
    std::memcpy(&bits, payload.data() + body, 8);
    const size_t bytes = payload.size() - body - 8;
    if (bits < 8 || bits > 4096 || bits % 8 != 0 || bytes == 0 || bytes % (bits / 8) != 0 ||
        bytes / (bits / 8) > 0xffffffffu)
      throw Error(path + ": damaged index file (binary codes)");
    const auto* codes = reinterpret_cast<const uint8_t*>(payload.data() + body + 8);
    IndexInfo info = std::move(index.info_);
    index = build_binary(std::vector<uint8_t>(codes, codes + bytes), static_cast<int64_t>(bits), std::move(info));
  } else if (is_ivf_kind(index.info_.kind)) {
    index.index_ = read_ivf(reinterpret_cast<const uint8_t*>(payload.data() + body), payload.size() - body, path);
    if ((index.info_.kind == "ivfpq") != (dynamic_cast<faiss::IndexIVFPQ*>(index.index_.get()) != nullptr))
      throw Error(path + ": damaged index header (kind)");
  } else {
    faiss::VectorIOReader reader;
    reader.data.assign(payload.begin() + static_cast<long>(body), payload.end());
    check_faiss_bytes(reader.data, path);
    try {
      if (index.info_.kind == "hash" || index.info_.kind == "multihash") {
        index.binary_.reset(faiss::read_index_binary(&reader));
        index.binary_codes_ = hash_index_codes(*index.binary_);
        index.bits_ = index.binary_->d;
        index.info_.similarity_scale = static_cast<double>(index.dims());
      } else {
        index.index_.reset(faiss::read_index(&reader));
      }
    } catch (const faiss::FaissException&) {
      throw Error(path + ": damaged FAISS index");
    }
  }
  if (index.index_ && !is_ivf_kind(index.info_.kind)) check_faiss_index(*index.index_, path);
  if (!index.info_.labels.empty() && static_cast<int64_t>(index.info_.labels.size()) != index.size())
    throw Error(path + ": index has " + std::to_string(index.size()) + " codes but " +
                std::to_string(index.info_.labels.size()) + " labels");
  if (!index.info_.paths.empty() && static_cast<int64_t>(index.info_.paths.size()) != index.size())
    throw Error(path + ": index has " + std::to_string(index.size()) + " codes but " +
                std::to_string(index.info_.paths.size()) + " paths");
  if (!index.info_.keys.empty() && static_cast<int64_t>(index.info_.keys.size()) != index.size())
    throw Error(path + ": index has " + std::to_string(index.size()) + " codes but " +
                std::to_string(index.info_.keys.size()) + " ids");
  if (!std::isfinite(index.info_.similarity_scale) || index.info_.similarity_scale <= 0)
    throw Error(path + ": damaged index header (similarity_scale)");
  if (index.info_.metric == CodeMetric::cosine &&
      (index.is_binary() || static_cast<int64_t>(index.info_.centre.size()) != index.dims() ||
       !std::all_of(index.info_.centre.begin(), index.info_.centre.end(), [](float v) { return std::isfinite(v); })))
    throw Error(path + ": damaged index header (centre)");
  index.cache_norms();
  return index;
}

void CodeIndex::cache_norms() {
  const auto* flat = dynamic_cast<const faiss::IndexFlatL2*>(index_.get());
  if (!flat) return;
  flat_norms_.resize(static_cast<size_t>(flat->ntotal));
  faiss::fvec_norms_L2sqr(flat_norms_.data(), flat->get_xb(), static_cast<size_t>(flat->d), flat_norms_.size());
  // Debian's FAISS is built for baseline x86-64, so its one-query distance loop is scalar code;
  // the BLAS path (OpenBLAS picks this CPU's kernels at run time) is several times faster even
  // for one query once the stored norms are not recomputed per call (search_flat).
  faiss::distance_compute_blas_threshold = 1;
}

std::vector<std::vector<SearchHit>> CodeIndex::search_flat(const faiss::IndexFlatL2& flat, const float* queries,
                                                           int64_t n, int64_t k) const {
  const size_t d = static_cast<size_t>(flat.d);
  std::vector<float> distances(static_cast<size_t>(n * k));
  std::vector<faiss::Index::idx_t> ids(static_cast<size_t>(n * k));
  faiss::knn_L2sqr(queries, flat.get_xb(), d, static_cast<size_t>(n), static_cast<size_t>(flat.ntotal),
                   static_cast<size_t>(k), distances.data(), ids.data(), flat_norms_.data());
  std::vector<std::vector<SearchHit>> hits(static_cast<size_t>(n));
  for (int64_t q = 0; q < n; ++q) {
    auto& row = hits[static_cast<size_t>(q)];
    for (int64_t r = 0; r < k; ++r) {
      const faiss::Index::idx_t id = ids[static_cast<size_t>(q * k + r)];
      if (id < 0) continue;
      // ‖x‖² + ‖y‖² − 2x·y rounds an exact duplicate to a small positive number: the hits
      // found get their distance computed directly.
      const float squared = faiss::fvec_L2sqr(queries + q * flat.d, flat.get_xb() + id * flat.d, d);
      row.push_back(float_hit(id, squared));
    }
    std::sort(row.begin(), row.end(), nearer_first);
  }
  return hits;
}

SearchHit CodeIndex::float_hit(int64_t id, float squared_distance) const {
  SearchHit hit;
  hit.id = id;
  hit.distance = std::sqrt(std::max(0.0f, squared_distance));
  // Rounded to 0.01 %: a duplicate encoded in another batch differs in the last float bits.
  const double share = info_.metric == CodeMetric::cosine ? 1.0 - 0.5 * hit.distance * hit.distance
                                                          : 1.0 - hit.distance / info_.similarity_scale;
  hit.similarity = std::round(10000.0 * std::max(0.0, share)) / 100.0;
  return hit;
}

}  // namespace latent
