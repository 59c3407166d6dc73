#include "latent/code_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "latent/atomic_file.h"
#include "latent/container.h"
#include "latent/error.h"
#include "faiss_check.h"

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

nlohmann::json info_to_json(const IndexInfo& info) {
  return {{"model_fingerprint", info.model_fingerprint}, {"model_path", info.model_path}, {"data", info.data},
          {"split", info.split},       {"labels", info.labels},         {"paths", info.paths},
          {"similarity_scale", info.similarity_scale}, {"kind", info.kind}};
}

IndexInfo info_from_json(const nlohmann::json& j) {
  IndexInfo info;
  info.model_fingerprint = j.at("model_fingerprint");
  info.model_path = j.at("model_path");
  info.data = j.at("data");
  info.split = j.at("split");
  info.labels = j.at("labels").get<std::vector<int64_t>>();
  info.paths = j.at("paths").get<std::vector<std::string>>();
  info.similarity_scale = j.at("similarity_scale");
  info.kind = j.at("kind");
  return info;
}

}  // namespace

CodeIndex::CodeIndex(CodeIndex&&) noexcept = default;
CodeIndex& CodeIndex::operator=(CodeIndex&&) noexcept = default;
CodeIndex::~CodeIndex() = default;

CodeIndex CodeIndex::build(const std::vector<float>& codes, int64_t dims, IndexInfo info, bool hnsw) {
  if (dims <= 0 || codes.empty() || codes.size() % static_cast<size_t>(dims) != 0)
    throw Error("no codes to index");
  int64_t count = static_cast<int64_t>(codes.size()) / dims;
  CodeIndex index;
  if (hnsw) index.index_ = std::make_unique<faiss::IndexHNSWFlat>(static_cast<int>(dims), 32);
  else index.index_ = std::make_unique<faiss::IndexFlatL2>(dims);
  index.index_->add(count, codes.data());
  info.kind = hnsw ? "hnsw" : "flat";
  info.similarity_scale = median_pair_distance(codes, dims);
  index.info_ = std::move(info);
  return index;
}

int64_t CodeIndex::size() const { return index_->ntotal; }
int64_t CodeIndex::dims() const { return index_->d; }

std::vector<std::vector<SearchHit>> CodeIndex::search(const float* queries, int64_t n, int64_t k) const {
  k = std::min(k, size());
  if (k < 1) throw Error("-k must be at least 1");
  std::vector<float> distances(static_cast<size_t>(n * k));
  std::vector<faiss::Index::idx_t> ids(static_cast<size_t>(n * k));
  index_->search(n, queries, k, distances.data(), ids.data());
  std::vector<std::vector<SearchHit>> hits(static_cast<size_t>(n));
  for (int64_t q = 0; q < n; ++q)
    for (int64_t r = 0; r < k; ++r) {
      size_t at = static_cast<size_t>(q * k + r);
      if (ids[at] < 0) continue;  // HNSW may find fewer than k
      SearchHit hit;
      hit.id = ids[at];
      hit.distance = std::sqrt(std::max(0.0f, distances[at]));
      // Rounded to 0.01 %: a duplicate encoded in another batch differs in the last float bits.
      hit.similarity = std::round(10000.0 * std::max(0.0, 1.0 - hit.distance / info_.similarity_scale)) / 100.0;
      hits[static_cast<size_t>(q)].push_back(hit);
    }
  return hits;
}

std::vector<float> CodeIndex::stored_codes() const {
  std::vector<float> codes(static_cast<size_t>(size() * dims()));
  index_->reconstruct_n(0, size(), codes.data());
  return codes;
}

void CodeIndex::save(const std::string& path) const {
  faiss::VectorIOWriter writer;
  faiss::write_index(index_.get(), &writer);
  std::string header = info_to_json(info_).dump();
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
  try {
    index.info_ = info_from_json(nlohmann::json::parse(payload.substr(8, header_size)));
  } catch (const nlohmann::json::exception&) {
    throw Error(path + ": damaged index header");
  }
  faiss::VectorIOReader reader;
  reader.data.assign(payload.begin() + 8 + static_cast<long>(header_size), payload.end());
  check_faiss_bytes(reader.data, path);
  try {
    index.index_.reset(faiss::read_index(&reader));
  } catch (const faiss::FaissException&) {
    throw Error(path + ": damaged FAISS index");
  }
  check_faiss_index(*index.index_, path);
  if (!index.info_.labels.empty() && static_cast<int64_t>(index.info_.labels.size()) != index.size())
    throw Error(path + ": index has " + std::to_string(index.size()) + " codes but " +
                std::to_string(index.info_.labels.size()) + " labels");
  if (!index.info_.paths.empty() && static_cast<int64_t>(index.info_.paths.size()) != index.size())
    throw Error(path + ": index has " + std::to_string(index.size()) + " codes but " +
                std::to_string(index.info_.paths.size()) + " paths");
  if (!std::isfinite(index.info_.similarity_scale) || index.info_.similarity_scale <= 0)
    throw Error(path + ": damaged index header (similarity_scale)");
  return index;
}

}  // namespace latent
