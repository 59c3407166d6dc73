#pragma once
// Metrics of the regularised autoencoders: how sparse and how contractive the code is, and how
// well a model cleans corrupted inputs. All over the whole data set, in batches.
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "latent/data/dataset.h"
#include "latent/io/regularizer_spec.h"
#include "latent/model/autoencoder.h"

namespace latent {

/// code_mean_abs: mean |code value|; code_active_fraction: fraction of code units with
/// |value| > 0.01, averaged over samples; jacobian_fro: ‖∂code/∂x‖_F (not squared), computed
/// exactly, averaged over the first jacobian_n samples (1000; a conv model's 64).
nlohmann::json code_metrics(Autoencoder& model, const Dataset& data);

/// A binary code head's bits over the data: bit_balance, the mean of each bit after thresholding
/// at ½ (ideal ½ each), bit_balance_worst, the largest |mean − ½|, and saturation, the fraction of
/// sigmoid activations within 0.1 of 0 or 1.
nlohmann::json binary_code_metrics(Autoencoder& model, const Dataset& data);

/// For [0,1] data: psnr_noisy_db (corrupted input against the clean one) and psnr_denoised_db
/// (the model's reconstruction of the corrupted input against the clean one); PSNR per image
/// with peak 1, averaged over images. The noise comes from torch's default generator.
nlohmann::json denoising_metrics(Autoencoder& model, const Dataset& data, const CorruptionSpec& corruption);

}  // namespace latent
