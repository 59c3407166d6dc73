// Classifier files (`classify train`): the body's model fields, the class count and the softmax
// layer; then the class of one row, as `classify eval` would predict it.
#include "fuzz_common.h"
#include "latent/train/classifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  LATENT_FUZZ_GUARD({
    latent::LoadedClassifier loaded = latent::load_classifier(latent_fuzz::wrapped_temp(data, size, "classifier"));
    latent::predict_classes(loaded.model, torch::zeros({1, loaded.model->body()->spec().input_size()}));
  });
}
