#include <torch/serialize.h>

#include "latent/base/atomic_file.h"
#include "latent/model/model_export.h"
#include "model/model_steps.h"

namespace latent {
namespace {

using Dict = c10::impl::GenericDict;

// What Python's pickle reads as a dict of str keys.
Dict dict() { return Dict(c10::StringType::get(), c10::AnyType::get()); }

c10::impl::GenericList steps_of(const LoadedModel& loaded, const std::string& part) {
  c10::impl::GenericList steps(c10::AnyType::get());
  for (const ModelStep& step : model_steps(*loaded.model, loaded.model->spec(), part)) {
    Dict s = dict();
    s.insert("kind", step.kind);
    if (step.weight.defined()) {
      s.insert("weight", step.weight);
      s.insert("bias", step.bias);
    }
    for (const auto& [name, values] : step.settings) s.insert(name, values);
    steps.push_back(s);
  }
  return steps;
}

}  // namespace

void export_torch(const LoadedModel& loaded, const std::string& path) {
  Dict file = dict();
  file.insert("format", std::string("latent torch export"));
  file.insert("version", static_cast<int64_t>(kExportVersion));
  file.insert("spec", loaded.model->spec().to_json().dump());
  file.insert("normalization", loaded.normalization.to_json().dump());
  file.insert("encoder", steps_of(loaded, "encoder"));
  file.insert("decoder", steps_of(loaded, "decoder"));
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(file));
  write_file_atomic(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace latent
