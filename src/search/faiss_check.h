#pragma once
// Checks on FAISS index bytes from a file, for CodeIndex::load. FAISS's reader trusts the sizes
// in its input (it resizes vectors to whatever a file claims, up to 2^40 elements) and its HNSW
// search trusts the graph; these checks run before and after faiss::read_index so that a
// damaged or crafted index is refused with latent::Error instead.
#include <cstdint>
#include <string>
#include <vector>

namespace faiss {
struct Index;
}

namespace latent {

/// Walks the bytes of the index types latent writes (IndexFlatL2 "IxF2", IndexHNSWFlat "IHNf",
/// IndexBinaryHash "IBHh", IndexBinaryMultiHash "IBHm")
/// and checks that every stored size fits in the bytes that follow. `name` is used in errors.
void check_faiss_bytes(const std::vector<uint8_t>& bytes, const std::string& name);

/// After loading: the HNSW graph's offsets, levels and neighbours stay inside the index.
void check_faiss_index(const faiss::Index& index, const std::string& name);

}  // namespace latent
