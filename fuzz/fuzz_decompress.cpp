// `latent decompress`: a .ltc file's codes dequantised and decoded by the model that wrote them.
// The fingerprint check would refuse almost every input before the decoder runs, so the codes
// are given this harness's model's fingerprint (a 4-D code, as the seeds' model has).
#include "fuzz_common.h"
#include "latent/apps/compress.h"
#include "latent/io/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static latent::LoadedModel model = [] {
    latent::ModelSpec spec;
    spec.input_shape = {1, 4, 4};
    spec.layers = {8};
    spec.latent = 4;
    latent::LoadedModel loaded;
    loaded.model = latent::Autoencoder(spec);
    loaded.fingerprint = "fuzz";
    return loaded;
  }();
  LATENT_FUZZ_GUARD({
    latent::CompressedCodes codes = latent::read_compressed(latent_fuzz::wrapped_temp(data, size, "compressed"));
    codes.model_fingerprint = model.fingerprint;
    torch::NoGradGuard no_grad;
    latent::decompress(model, codes, "fuzz.ltc");
  });
}
