#include <nlohmann/json.hpp>

#include "latent/base/atomic_file.h"
#include "latent/io/npy_format.h"
#include "latent/model/model_export.h"
#include "model/model_steps.h"

namespace latent {
namespace {

using NpyFiles = std::vector<std::pair<std::string, std::string>>;

std::string npy_of(const torch::Tensor& t) {
  return npy_bytes(
      "<f4", t.sizes().vec(),
      {reinterpret_cast<const char*>(t.data_ptr<float>()), static_cast<size_t>(t.numel()) * sizeof(float)});
}

// The part's steps as JSON; their weights go into `arrays` under the names the steps give.
nlohmann::json steps_of(const LoadedModel& loaded, const std::string& part, NpyFiles& arrays) {
  nlohmann::json steps = nlohmann::json::array();
  const std::vector<ModelStep> model = model_steps(*loaded.model, loaded.model->spec(), part);
  for (size_t i = 0; i < model.size(); ++i) {
    nlohmann::json s = {{"kind", model[i].kind}};
    if (model[i].weight.defined()) {
      const std::string name = part + "." + std::to_string(i);
      s["weight"] = name + ".weight";
      s["bias"] = name + ".bias";
      arrays.emplace_back(name + ".weight", npy_of(model[i].weight));
      arrays.emplace_back(name + ".bias", npy_of(model[i].bias));
    }
    for (const auto& [setting, values] : model[i].settings) s[setting] = values;
    steps.push_back(s);
  }
  return steps;
}

}  // namespace

void export_npz(const LoadedModel& loaded, const std::string& path) {
  NpyFiles arrays;
  nlohmann::json model = {{"format", "latent npz export"},
                          {"version", kExportVersion},
                          {"spec", loaded.model->spec().to_json()},
                          {"normalization", loaded.normalization.to_json()}};
  model["encoder"] = steps_of(loaded, "encoder", arrays);
  model["decoder"] = steps_of(loaded, "decoder", arrays);
  arrays.emplace(arrays.begin(), "model", npy_text(model.dump(-1, ' ', true)));
  write_file_atomic(path, npz_bytes(arrays));
}

}  // namespace latent
