#include "latent/model/model_file.h"

#include <sstream>

#include "io/torch_archive_check.h"
#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/io/container.h"

namespace latent {
namespace {

std::string read_string(torch::serialize::InputArchive& archive, const std::string& key, const std::string& name) {
  c10::IValue value;
  if (!archive.try_read(key, value) || !value.isString()) throw Error(name + ": model file has no '" + key + "'");
  return value.toStringRef();
}

nlohmann::json parse_json(const std::string& text, const std::string& what, const std::string& name) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(name + ": " + what + " is not valid JSON");
  }
}

}  // namespace

std::string non_finite_weight(const torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (const auto& item : module.named_parameters())
    if (!torch::isfinite(item.value()).all().item<bool>()) return item.key();
  for (const auto& item : module.named_buffers())
    if (item.value().is_floating_point() && !torch::isfinite(item.value()).all().item<bool>()) return item.key();
  return "";
}

void write_model_fields(torch::serialize::OutputArchive& archive, Autoencoder& model, const Normalization& norm,
                        const nlohmann::json& meta) {
  const std::string bad = non_finite_weight(*model);
  if (!bad.empty()) throw Error("refusing to write a model whose weight " + bad + " is NaN or infinite");
  archive.write("spec", c10::IValue(model->spec().to_json().dump()));
  archive.write("normalization", c10::IValue(norm.to_json().dump()));
  archive.write("meta", c10::IValue(meta.dump()));
  torch::serialize::OutputArchive weights;
  model->save(weights);
  archive.write("weights", weights);
}

LoadedModel read_model_fields(torch::serialize::InputArchive& archive, size_t archive_size, const std::string& name) {
  LoadedModel loaded;
  try {
    ModelSpec spec = ModelSpec::from_json(parse_json(read_string(archive, "spec", name), "spec", name));
    // The model is allocated from the spec before its weights are read: they must fit in the file.
    if (parameter_count(spec) > static_cast<int64_t>(archive_size / sizeof(float)))
      throw Error(name + ": the model spec needs " + std::to_string(parameter_count(spec)) +
                  " parameters, more than the file's " + std::to_string(archive_size) + " bytes hold");
    loaded.normalization =
        Normalization::from_json(parse_json(read_string(archive, "normalization", name), "normalization", name));
    loaded.meta = parse_json(read_string(archive, "meta", name), "meta", name);
    if (loaded.meta.contains("input_profile"))
      loaded.input_profile = InputProfile::from_json(loaded.meta.at("input_profile"));
    if (loaded.meta.contains("image_layout"))
      loaded.image_layout = ImageLayout::from_json(loaded.meta.at("image_layout"));
    loaded.model = Autoencoder(spec);
  } catch (const Error& e) {
    std::string message = e.what();
    throw Error(message.rfind(name, 0) == 0 ? message : name + ": " + message);
  } catch (const nlohmann::json::exception&) {  // a field missing or of the wrong type (fuzz_checkpoint)
    throw Error(name + ": damaged model file (spec, normalization or meta)");
  }
  load_module_checked(*loaded.model, archive, "weights", name + ": weights do not match the model spec");
  loaded.model->eval();
  return loaded;
}

std::string archive_bytes(torch::serialize::OutputArchive& archive) {
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

void load_archive(torch::serialize::InputArchive& archive, const std::string& bytes, const std::string& name) {
  check_torch_archive(bytes, name);
  try {
    std::istringstream in(bytes);
    archive.load_from(in);
  } catch (const std::exception& e) {
    // Not only c10::Error: TorchScript's parser of the archive's code throws std::runtime_error
    // (found by fuzz/fuzz_model.cpp, tests/regressions/model/).
    throw Error(name + ": damaged model archive");
  }
}

void save_model(const std::string& path, Autoencoder& model, const Normalization& norm, const nlohmann::json& meta) {
  torch::serialize::OutputArchive archive;
  write_model_fields(archive, model, norm, meta);
  write_file_atomic(path, pack_container("model", archive_bytes(archive)));
}

void load_module_checked(torch::nn::Module& module, torch::serialize::InputArchive& archive, const std::string& key,
                         const std::string& error) {
  auto tensors = [&] {
    std::vector<torch::Tensor> all = module.parameters();
    for (const auto& b : module.buffers()) all.push_back(b);
    return all;
  };
  // load() swaps new contents into the same tensors (set_), so the shapes are kept as values.
  std::vector<std::pair<std::vector<int64_t>, c10::ScalarType>> expected;
  for (const auto& t : tensors()) expected.emplace_back(t.sizes().vec(), t.scalar_type());
  try {
    torch::serialize::InputArchive nested;
    archive.read(key, nested);
    module.load(nested);
  } catch (const std::exception&) {
    throw Error(error);
  }
  // A record can name a storage too small for its tensor, or none at all: read later, such a
  // tensor is out of bounds or "not allocated".
  auto holds_its_data = [](const torch::Tensor& t) {
    if (!t.has_storage() || (t.numel() > 0 && t.storage().data() == nullptr)) return t.numel() == 0;
    const auto needed = static_cast<size_t>(t.storage_offset() + t.numel()) * t.element_size();
    return t.storage().nbytes() >= needed;
  };
  std::vector<torch::Tensor> loaded = tensors();
  for (size_t i = 0; i < loaded.size(); ++i)
    if (!loaded[i].defined() || loaded[i].sizes().vec() != expected[i].first ||
        loaded[i].scalar_type() != expected[i].second || !loaded[i].is_contiguous() || !holds_its_data(loaded[i]))
      throw Error(error);
}

int64_t copy_matching_parameters(Autoencoder& from, Autoencoder& to) {
  torch::NoGradGuard no_grad;
  auto source = from->named_parameters();
  int64_t copied = 0;
  for (auto& target : to->named_parameters()) {
    const torch::Tensor* value = source.find(target.key());
    if (value && value->sizes() == target.value().sizes()) {
      target.value().copy_(*value);
      ++copied;
    }
  }
  return copied;
}

LoadedModel model_from_file_bytes(const std::string& file_bytes, const std::string& name) {
  const std::string payload = unpack_container(file_bytes, "model", name);
  torch::serialize::InputArchive archive;
  load_archive(archive, payload, name);
  LoadedModel loaded = read_model_fields(archive, payload.size(), name);
  loaded.fingerprint = fingerprint(payload);
  return loaded;
}

LoadedModel load_model(const std::string& path) { return model_from_file_bytes(read_container_file(path), path); }

}  // namespace latent
