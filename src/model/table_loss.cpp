#include "latent/model/table_loss.h"

namespace latent {

torch::Tensor table_errors(const ModelSpec& spec, const torch::Tensor& logits, const torch::Tensor& x) {
  const int64_t numbers = spec.table_numbers();
  std::vector<torch::Tensor> errors;
  torch::Tensor target = x.narrow(1, 0, numbers);
  torch::Tensor observed = torch::isnan(target).logical_not();
  errors.push_back(torch::where(observed, (logits.narrow(1, 0, numbers) - target.nan_to_num(0.0)).pow(2),
                                torch::zeros({}, logits.options())));
  int64_t offset = numbers;
  for (int64_t width : spec.table_blocks) {
    torch::Tensor block = x.narrow(1, offset, width);
    torch::Tensor log_p = torch::log_softmax(logits.narrow(1, offset, width), 1);
    torch::Tensor cross_entropy = -(block.nan_to_num(0.0) * log_p).sum(1, /*keepdim=*/true);
    errors.push_back(
        torch::where(torch::isnan(block.narrow(1, 0, 1)), torch::zeros({}, logits.options()), cross_entropy));
    offset += width;
  }
  return torch::cat(errors, 1);
}

torch::Tensor table_outputs(const ModelSpec& spec, const torch::Tensor& logits) {
  const int64_t numbers = spec.table_numbers();
  std::vector<torch::Tensor> parts{logits.narrow(1, 0, numbers)};
  int64_t offset = numbers;
  for (int64_t width : spec.table_blocks) {
    parts.push_back(torch::softmax(logits.narrow(1, offset, width), 1));
    offset += width;
  }
  return torch::cat(parts, 1);
}

torch::Tensor observed_input(const torch::Tensor& x) { return x.nan_to_num(0.0); }

}  // namespace latent
