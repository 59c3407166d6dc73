// Model files: the torch archive inside the container (spec, normalization, meta, weights),
// then one forward pass, as `latent encode` would run.
#include "fuzz_common.h"
#include "latent/model/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  LATENT_FUZZ_GUARD({
    latent::LoadedModel loaded = latent::load_model(latent_fuzz::wrapped_temp(data, size, "model"));
    torch::NoGradGuard no_grad;
    loaded.model->decode(loaded.model->encode(torch::zeros({1, loaded.model->spec().input_size()})));
  });
}
