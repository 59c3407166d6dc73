#pragma once
// The model file: one latent container of kind "model" holding a torch archive with
//   spec (JSON), normalization (JSON), meta (JSON: data, training summary, metrics), weights.
#include <optional>
#include <string>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "latent/io/image_layout.h"
#include "latent/io/input_profile.h"
#include "latent/io/normalization.h"
#include "latent/model/autoencoder.h"

namespace latent {

struct LoadedModel {
  Autoencoder model{nullptr};
  Normalization normalization;
  nlohmann::json meta;      ///< what `latent train` recorded: data, options, final metrics
  std::string fingerprint;  ///< identifies these exact weights (indexes and .ltc files check it)
  /// meta.input_profile: what the raw training inputs looked like; none in models trained before
  /// it was recorded (their queries are not checked).
  std::optional<InputProfile> input_profile;
  /// meta.image_layout: how the training images were read (default: as they came).
  ImageLayout image_layout;

  /// How any image given to this model is read: the training layout at the model's colour and size.
  ImageLayout input_layout() const { return image_layout.for_input(model->spec().input_shape); }
};

/// Writes the model atomically.
void save_model(const std::string& path, Autoencoder& model, const Normalization& norm, const nlohmann::json& meta);
LoadedModel load_model(const std::string& path);
/// The model in a model file's bytes (a detector embeds them; the library trains into them);
/// `name` is what errors call it.
LoadedModel model_from_file_bytes(const std::string& file_bytes, const std::string& name);
/// Module::load of the archive nested under `key`, refusing (Error(error)) any tensor whose shape,
/// type or layout differs from the one the module was built with: load() itself takes whatever
/// the archive holds, and the first forward pass would then fail deep inside torch (fuzz_model).
void load_module_checked(torch::nn::Module& module, torch::serialize::InputArchive& archive, const std::string& key,
                         const std::string& error);
/// A warm start: copies every parameter of `from` into the parameter of `to` with the same name
/// and shape (a trained float autoencoder's layers into a binary one of the same widths, say).
/// Returns how many tensors were copied.
int64_t copy_matching_parameters(Autoencoder& from, Autoencoder& to);

/// The name of the first parameter or buffer holding a NaN or infinity, "" if none: weights that
/// diverged must never replace a model or a checkpoint on disk.
std::string non_finite_weight(const torch::nn::Module& module);

/// The fields of a model inside an archive of archive_size bytes; checkpoints use them too.
/// Writing throws latent::Error (nothing written) when a weight is not finite; reading refuses a
/// spec implying more parameters than those bytes hold before the model is built.
void write_model_fields(torch::serialize::OutputArchive& archive, Autoencoder& model, const Normalization& norm,
                        const nlohmann::json& meta);
LoadedModel read_model_fields(torch::serialize::InputArchive& archive, size_t archive_size, const std::string& name);

/// Archive ↔ bytes, turning torch's exceptions into latent::Error naming the file.
std::string archive_bytes(torch::serialize::OutputArchive& archive);
void load_archive(torch::serialize::InputArchive& archive, const std::string& bytes, const std::string& name);

}  // namespace latent
