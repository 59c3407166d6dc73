// Search indexes: the JSON header and the FAISS index bytes (payload fuzzed inside a valid
// container). A loaded index is also searched once, as `latent search` would.
#include <vector>

#include "fuzz_common.h"
#include "latent/code_index.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  LATENT_FUZZ_GUARD({
    latent::CodeIndex index = latent::CodeIndex::load(latent_fuzz::wrapped_temp(data, size, "index"));
    std::vector<float> query(static_cast<size_t>(index.dims()), 0.5f);
    index.search(query.data(), 1, 3);
  });
}
