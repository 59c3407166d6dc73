// Search indexes: the JSON header and the FAISS index bytes (payload fuzzed inside a valid
// container). A loaded index is also searched once, as `latent search` would (a binary one
// by Hamming radius too).
// (.at(): an id beyond the labels or paths throws std::out_of_range, which the fuzzer reports.)
#include <vector>

#include "fuzz_common.h"
#include "latent/search/code_index.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  LATENT_FUZZ_GUARD({
    latent::CodeIndex index = latent::CodeIndex::load(latent_fuzz::wrapped_temp(data, size, "index"));
    std::vector<float> query(static_cast<size_t>(index.dims()), 0.5f);
    // As `latent search` reports each hit: its label and path, by id.
    size_t touched = 0;
    std::vector<std::vector<latent::SearchHit>> hits = index.search(query.data(), 1, 3);
    for (const latent::SearchHit& hit : hits[0]) {
      const latent::IndexInfo& info = index.info();
      if (!info.labels.empty()) touched += static_cast<size_t>(info.labels.at(static_cast<size_t>(hit.id)));
      if (!info.paths.empty()) touched += info.paths.at(static_cast<size_t>(hit.id)).size();
    }
    // A binary index is also searched by Hamming radius (the hash-table lookup).
    if (index.is_binary()) {
      std::vector<uint8_t> packed(static_cast<size_t>((index.dims() + 7) / 8), 0x5a);
      touched += index.search_radius(packed.data(), 1, 2)[0].size();
    }
    (void)touched;
  });
}
