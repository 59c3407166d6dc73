#pragma once
// Normalised data as tensors, ready for a model.
#include <torch/torch.h>

#include "latent/io/normalization.h"
#include "latent/io/raw_data.h"

namespace latent {

struct Dataset {
  torch::Tensor x;                    ///< float [N, D], normalised, one flattened sample per row
  torch::Tensor y;                    ///< int64 [N], or undefined when unlabelled
  std::vector<int64_t> sample_shape;  ///< {1, H, W} for images, {D} for tables
  std::vector<std::string> paths;     ///< per sample, images:DIR only

  int64_t size() const { return x.size(0); }
  bool has_labels() const { return y.defined(); }
  Dataset select(const torch::Tensor& indices) const;
};

/// Normalises raw (in place) and wraps it.
Dataset make_dataset(RawData raw, const Normalization& norm);

/// Carves a validation set off `data`: a fixed shuffle (independent of --seed, so the same
/// images are held out in every run), fraction of them for validation.
std::pair<Dataset, Dataset> split_validation(const Dataset& data, double fraction);

}  // namespace latent
