#pragma once
// Normalised data as tensors, ready for a model: held in memory, or left in a pack file and
// read batch by batch (data bigger than memory).
#include <memory>

#include <torch/torch.h>

#include "latent/io/normalization.h"
#include "latent/io/pack_file.h"
#include "latent/io/raw_data.h"

namespace latent {

/// Samples that stay in a pack of images: which of its rows, and how their pixels become inputs.
struct PackedRows {
  std::shared_ptr<const PackFile> file;
  torch::Tensor rows;   ///< int64: the file's rows, in this data set's order
  float divisor = 255;  ///< the model's normalisation: pixel / divisor
  bool invert = false;  ///< --invert: (divisor − pixel) / divisor
};

struct Dataset {
  torch::Tensor x;                    ///< float [N, D], normalised, one flattened sample per row; undefined when packed
  torch::Tensor y;                    ///< int64 [N], or undefined when unlabelled
  std::vector<int64_t> sample_shape;  ///< {1, H, W} for images, {D} for tables
  std::vector<std::string> paths;     ///< per sample, images:DIR only
  std::shared_ptr<const PackedRows> packed;  ///< set when the samples are read from a pack on demand

  int64_t size() const;
  bool empty() const { return size() == 0; }
  bool has_labels() const { return y.defined(); }
  /// Whether the samples have names (image files' paths, kept in a pack too), and sample i's.
  bool has_names() const;
  std::string name(int64_t i) const;
  /// Samples [begin, end) / the samples `indices` names, normalised: float [n, D].
  torch::Tensor rows(int64_t begin, int64_t end) const;
  torch::Tensor gather(const torch::Tensor& indices) const;
  /// Every sample as one tensor: x, or the whole pack read into memory.
  torch::Tensor inputs() const;
  Dataset select(const torch::Tensor& indices) const;
};

/// Normalises raw (in place) and wraps it.
Dataset make_dataset(RawData raw, const Normalization& norm);

/// The samples `rows` of a pack of images, read on demand and normalised with `norm` (a scale).
Dataset map_pack(std::shared_ptr<const PackFile> file, torch::Tensor rows, const Normalization& norm,
                 bool invert = false);

/// Every value of `data` (in [0,1]) replaced by a Bernoulli draw with that probability, drawn
/// from `seed`: the one fixed binarisation that a model trained with Binarize::dynamic is
/// validated and evaluated on (in memory, also when `data` is a pack).
Dataset binarized(const Dataset& data, uint64_t seed = 0);

/// Carves a validation set off `data`: a fixed shuffle (independent of --seed, so the same
/// images are held out in every run), fraction of them for validation.
std::pair<Dataset, Dataset> split_validation(const Dataset& data, double fraction);

}  // namespace latent
