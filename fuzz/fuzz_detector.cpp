// Anomaly detector files: the JSON header line and the embedded model file; then the score of one
// row, which reads the calibration (code mean and precision, log-score statistics).
#include "fuzz_common.h"
#include "latent/apps/anomaly.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  LATENT_FUZZ_GUARD({
    latent::Detector detector = latent::load_detector(latent_fuzz::wrapped_temp(data, size, "detector"));
    latent::anomaly_scores(detector, torch::zeros({1, detector.model.model->spec().input_size()}));
  });
}
