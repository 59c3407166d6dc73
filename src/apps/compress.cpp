#include "latent/apps/compress.h"

#include "latent/base/error.h"
#include "latent/model/evaluate.h"

namespace latent {

CompressedCodes compress(LoadedModel& model, const torch::Tensor& x, const std::vector<int64_t>& sample_shape, int bits,
                         int64_t refine_steps) {
  torch::Tensor codes = encode_all(model.model, x, refine_steps);
  std::vector<float> values = tensor_values(codes);
  CompressedCodes out;
  out.model_fingerprint = model.fingerprint;
  out.sample_shape = sample_shape;
  out.count = codes.size(0);
  out.quantizer = Quantizer::fit(values, codes.size(1), bits);
  out.levels = out.quantizer.quantize(values);
  return out;
}

torch::Tensor decompress(LoadedModel& model, const CompressedCodes& codes, const std::string& name) {
  if (codes.model_fingerprint != model.fingerprint)
    throw Error(name + " was compressed with model " + codes.model_fingerprint + ", not with this one (" +
                model.fingerprint + "); decompress it with the model that wrote it");
  if (codes.quantizer.dims() != model.model->spec().latent) throw Error(name + ": code size differs from the model's");
  std::vector<float> values = codes.quantizer.dequantize(codes.levels);
  torch::Tensor t = torch::from_blob(values.data(), {codes.count, codes.quantizer.dims()}).clone();
  return decode_all(model.model, t);
}

}  // namespace latent
