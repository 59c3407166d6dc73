// Training checkpoints: model fields, optimizer state and training progress (`train --resume`).
#include "fuzz_common.h"
#include "latent/train/trainer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  latent::Normalization norm;
  nlohmann::json meta;
  LATENT_FUZZ_GUARD(latent::Trainer::resume(latent_fuzz::wrapped_temp(data, size, "checkpoint"), norm, meta));
}
