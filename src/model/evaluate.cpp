#include "latent/model/evaluate.h"

#include <cmath>

#include "latent/model/table_loss.h"

namespace latent {
namespace {

constexpr int64_t kInferenceBatch = 2048;

template <typename Fn>
torch::Tensor map_batches(const torch::Tensor& input, Fn fn) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < input.size(0); start += kInferenceBatch)
    parts.push_back(fn(input.slice(0, start, std::min(start + kInferenceBatch, input.size(0)))));
  return torch::cat(parts);
}

}  // namespace

std::vector<float> tensor_values(const torch::Tensor& tensor) {
  torch::Tensor flat = tensor.to(torch::kFloat32).contiguous();
  return {flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel()};
}

torch::Tensor encode_all(Autoencoder& model, const torch::Tensor& x) {
  return map_batches(x, [&](const torch::Tensor& batch) { return model->encode(batch); });
}

torch::Tensor decode_all(Autoencoder& model, const torch::Tensor& codes) {
  return map_batches(codes, [&](const torch::Tensor& batch) { return model->decode(batch); });
}

nlohmann::json evaluate_reconstruction(Autoencoder& model, const Dataset& data) {
  torch::NoGradGuard no_grad;
  if (model->spec().output == Output::table) {
    double total = 0;
    int64_t columns = 0;
    for (int64_t start = 0; start < data.size(); start += kInferenceBatch) {
      torch::Tensor x = data.x.slice(0, start, std::min(start + kInferenceBatch, data.size()));
      torch::Tensor errors = table_errors(model->spec(), model->decode_logits(model->encode(x)), x);
      total += errors.sum().item<double>();
      columns = errors.size(1);
    }
    const double n = static_cast<double>(data.size());
    return {{"n", data.size()}, {"error_per_row", total / n}, {"error_per_cell", total / (n * columns)}};
  }
  const bool unit_range = model->spec().output == Output::sigmoid;
  double sse = 0, bce = 0;
  for (int64_t start = 0; start < data.size(); start += kInferenceBatch) {
    torch::Tensor x = data.x.slice(0, start, std::min(start + kInferenceBatch, data.size()));
    torch::Tensor logits = model->decode_logits(model->encode(x));
    torch::Tensor recon = unit_range ? torch::sigmoid(logits) : logits;
    sse += (recon - x).pow(2).sum().item<double>();
    if (unit_range)
      bce += torch::binary_cross_entropy_with_logits(logits, x, {}, {}, at::Reduction::Sum).item<double>();
  }
  const double n = static_cast<double>(data.size());
  const double pixels = n * static_cast<double>(data.x.size(1));
  nlohmann::json metrics = {{"n", data.size()}, {"mse_per_pixel", sse / pixels}, {"sse_per_image", sse / n}};
  if (unit_range) {
    metrics["bce_per_pixel"] = bce / pixels;
    metrics["psnr_db"] = 10.0 * std::log10(pixels / sse);
  }
  return metrics;
}

}  // namespace latent
