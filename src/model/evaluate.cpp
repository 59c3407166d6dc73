#include "latent/model/evaluate.h"

#include <cmath>

#include "latent/model/table_loss.h"

namespace latent {
namespace {

constexpr int64_t kInferenceBatch = 2048;

// fn(begin, end) → the outputs of those rows; the outputs of all `count` rows, in order.
template <typename Fn>
torch::Tensor map_batches(int64_t count, Fn fn) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < count; start += kInferenceBatch)
    parts.push_back(fn(start, std::min(start + kInferenceBatch, count)));
  return torch::cat(parts);
}

}  // namespace

std::vector<float> tensor_values(const torch::Tensor& tensor) {
  torch::Tensor flat = tensor.to(torch::kFloat32).contiguous();
  return {flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel()};
}

torch::Tensor encode_all(Autoencoder& model, const torch::Tensor& x) {
  return map_batches(x.size(0), [&](int64_t begin, int64_t end) { return model->encode(x.slice(0, begin, end)); });
}

torch::Tensor encode_all(Autoencoder& model, const Dataset& data) {
  return map_batches(data.size(), [&](int64_t begin, int64_t end) { return model->encode(data.rows(begin, end)); });
}

torch::Tensor decode_all(Autoencoder& model, const torch::Tensor& codes) {
  return map_batches(codes.size(0),
                     [&](int64_t begin, int64_t end) { return model->decode(codes.slice(0, begin, end)); });
}

nlohmann::json evaluate_reconstruction(Autoencoder& model, const Dataset& data) {
  torch::NoGradGuard no_grad;
  if (model->spec().output == Output::table) {
    double total = 0;
    int64_t columns = 0;
    for (int64_t start = 0; start < data.size(); start += kInferenceBatch) {
      torch::Tensor x = data.rows(start, std::min(start + kInferenceBatch, data.size()));
      torch::Tensor errors = table_errors(model->spec(), model->decode_logits(model->encode(x)), x);
      total += errors.sum().item<double>();
      columns = errors.size(1);
    }
    const double n = static_cast<double>(data.size());
    return {{"n", data.size()}, {"error_per_row", total / n}, {"error_per_cell", total / (n * columns)}};
  }
  const bool unit_range = model->spec().output == Output::sigmoid;
  double sse = 0, bce = 0;
  int64_t width = 0;
  for (int64_t start = 0; start < data.size(); start += kInferenceBatch) {
    torch::Tensor x = data.rows(start, std::min(start + kInferenceBatch, data.size()));
    width = x.size(1);
    torch::Tensor logits = model->decode_logits(model->encode(x));
    torch::Tensor recon = unit_range ? torch::sigmoid(logits) : logits;
    sse += (recon - x).pow(2).sum().item<double>();
    if (unit_range)
      bce += torch::binary_cross_entropy_with_logits(logits, x, {}, {}, at::Reduction::Sum).item<double>();
  }
  const double n = static_cast<double>(data.size());
  const double pixels = n * static_cast<double>(width);
  nlohmann::json metrics = {{"n", data.size()}, {"mse_per_pixel", sse / pixels}, {"sse_per_image", sse / n}};
  if (unit_range) {
    metrics["bce_per_pixel"] = bce / pixels;
    metrics["psnr_db"] = 10.0 * std::log10(pixels / sse);
  }
  return metrics;
}

}  // namespace latent
