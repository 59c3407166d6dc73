#include "latent/model/evaluate.h"

#include <cmath>
#include <exception>
#include <optional>

#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/model/code_refinement.h"
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

// The codes of each batch `fn` is given: the encoder's, or refined (with progress over `count` rows).
class CodeReader {
 public:
  CodeReader(Autoencoder& model, int64_t refine_steps, int64_t count) : model_(model), steps_(refine_steps) {
    if (steps_ < 0) throw Error("--refine must be >= 0 (0 keeps the encoder's codes)");
    if (steps_ > 0) progress_.emplace("refine codes (" + std::to_string(steps_) + " steps)", count);
  }
  torch::Tensor operator()(const torch::Tensor& x) {
    if (steps_ <= 0) return model_->encode(x);
    return refine_codes(model_, x, steps_, [&](int64_t rows) { progress_->update(done_ += rows); });
  }
  ~CodeReader() {
    if (progress_ && std::uncaught_exceptions() == 0) progress_->finish();  // not after a refusal
  }

 private:
  Autoencoder& model_;
  int64_t steps_, done_ = 0;
  std::optional<Progress> progress_;
};

}  // namespace

std::vector<float> tensor_values(const torch::Tensor& tensor) {
  torch::Tensor flat = tensor.to(torch::kFloat32).contiguous();
  return {flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel()};
}

torch::Tensor encode_all(Autoencoder& model, const torch::Tensor& x, int64_t refine_steps) {
  CodeReader codes(model, refine_steps, x.size(0));
  return map_batches(x.size(0), [&](int64_t begin, int64_t end) { return codes(x.slice(0, begin, end)); });
}

torch::Tensor encode_all(Autoencoder& model, const Dataset& data, int64_t refine_steps) {
  CodeReader codes(model, refine_steps, data.size());
  return map_batches(data.size(), [&](int64_t begin, int64_t end) { return codes(data.rows(begin, end)); });
}

torch::Tensor decode_all(Autoencoder& model, const torch::Tensor& codes) {
  return map_batches(codes.size(0),
                     [&](int64_t begin, int64_t end) { return model->decode(codes.slice(0, begin, end)); });
}

namespace {

nlohmann::json table_reconstruction(Autoencoder& model, const Dataset& data, CodeReader& codes) {
  double total = 0;
  int64_t columns = 0;
  for (int64_t start = 0; start < data.size(); start += kInferenceBatch) {
    torch::Tensor x = data.rows(start, std::min(start + kInferenceBatch, data.size()));
    torch::Tensor errors = table_errors(model->spec(), model->decode_logits(codes(x)), x);
    total += errors.sum().item<double>();
    columns = errors.size(1);
  }
  const double n = static_cast<double>(data.size());
  return {{"n", data.size()}, {"error_per_row", total / n}, {"error_per_cell", total / (n * columns)}};
}

nlohmann::json pixel_reconstruction(Autoencoder& model, const Dataset& data, CodeReader& codes) {
  const bool unit_range = model->spec().output == Output::sigmoid;
  double sse = 0, bce = 0;
  int64_t width = 0;
  for (int64_t start = 0; start < data.size(); start += kInferenceBatch) {
    torch::Tensor x = data.rows(start, std::min(start + kInferenceBatch, data.size()));
    width = x.size(1);
    torch::Tensor logits = model->decode_logits(codes(x));
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

}  // namespace

nlohmann::json evaluate_reconstruction(Autoencoder& model, const Dataset& data, int64_t refine_steps) {
  torch::NoGradGuard no_grad;
  CodeReader codes(model, refine_steps, data.size());
  nlohmann::json metrics = model->spec().output == Output::table ? table_reconstruction(model, data, codes)
                                                                 : pixel_reconstruction(model, data, codes);
  if (refine_steps > 0) metrics["refine_steps"] = refine_steps;
  return metrics;
}

}  // namespace latent
