#include "latent/train/corruption.h"

#include <ATen/Parallel.h>

#include "latent/runtime/random_draws.h"
#include "train/corruption_draws.h"

namespace latent {

uint64_t draw_corruption_key() {
  return static_cast<uint64_t>(
      torch::randint(0, int64_t{1} << 62, {1}, draw_generator(), torch::kInt64).item<int64_t>());
}

torch::Tensor corrupt(const torch::Tensor& x, const CorruptionSpec& spec) {
  if (!spec.active()) return x;
  const uint64_t key = draw_corruption_key();
  const torch::Tensor clean = x.to(torch::kFloat32).contiguous();
  const int64_t rows = clean.dim() == 0 ? 1 : clean.size(0);
  const int64_t width = rows == 0 ? 0 : clean.numel() / rows;
  torch::Tensor out = torch::empty_like(clean);
  const float* from = clean.data_ptr<float>();
  float* to = out.data_ptr<float>();
  at::parallel_for(0, rows, 64, [&](int64_t begin, int64_t end) {
    corrupt_rows(from + begin * width, to + begin * width, begin, end - begin, width, spec, key);
  });
  return out.to(x.scalar_type());
}

torch::Tensor augment(const torch::Tensor& images, const AugmentSpec& spec, const std::vector<int64_t>& shape,
                      bool unit_range) {
  if (!spec.active()) return images;
  const int64_t n = images.size(0), c = shape[0], h = shape[1], w = shape[2];
  const auto options = images.options();
  torch::Tensor x = images.view({n, c, h, w});
  if (spec.flip) {
    torch::Tensor mirrored = torch::rand({n, 1, 1, 1}, draw_generator(), options) < 0.5;
    x = torch::where(mirrored, x.flip({3}), x);
  }
  if (spec.shift > 0) {
    const int64_t s = spec.shift;
    torch::Tensor padded = torch::replication_pad2d(x, {s, s, s, s});
    torch::Tensor offsets = torch::randint(0, 2 * s + 1, {n, 2}, draw_generator(), torch::kInt64);
    auto offset = offsets.accessor<int64_t, 2>();
    std::vector<torch::Tensor> moved;
    moved.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) moved.push_back(padded[i].narrow(1, offset[i][0], h).narrow(2, offset[i][1], w));
    x = torch::stack(moved);
  }
  if (spec.color > 0) {
    auto spread = [&] { return spec.color * (2 * torch::rand({n, c, 1, 1}, draw_generator(), options) - 1); };
    torch::Tensor gain = 1 + spread();
    x = x * gain + spread();
    if (unit_range) x = x.clamp(0, 1);
  }
  return x.reshape({n, c * h * w});
}

torch::Tensor training_objective(Autoencoder& model, const torch::Tensor& x, bool neighbour_pairs) {
  const ModelSpec& spec = model->spec();
  torch::Tensor clean =
      model->is_training() ? augment(x, spec.augment, spec.input_shape, spec.output == Output::sigmoid) : x;
  return model->objective(corrupt(clean, spec.corrupt), clean, neighbour_pairs);
}

}  // namespace latent
