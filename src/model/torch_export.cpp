#include "latent/model/torch_export.h"

#include <torch/serialize.h>

#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "model/conv_layers.h"

namespace latent {
namespace {

using Step = c10::impl::GenericDict;
using Steps = c10::impl::GenericList;

// What Python's pickle reads as a dict of str keys.
Step dict() { return Step(c10::StringType::get(), c10::AnyType::get()); }

Step step(const std::string& kind) {
  Step s = dict();
  s.insert("kind", kind);
  return s;
}

Step with_shape(const std::string& kind, const std::vector<int64_t>& shape) {
  Step s = step(kind);
  s.insert("shape", shape);
  return s;
}

Step with_weights(const std::string& kind, const torch::Tensor& weight, const torch::Tensor& bias) {
  Step s = step(kind);
  s.insert("weight", weight.detach().to(torch::kFloat32).contiguous());
  s.insert("bias", bias.detach().to(torch::kFloat32).contiguous());
  return s;
}

std::vector<int64_t> pair(torch::ExpandingArray<2> values) { return {(*values)[0], (*values)[1]}; }

// Appends what `module` does to a row, in order.
void describe(const torch::nn::Module& module, Steps& steps) {
  if (const auto* seq = module.as<torch::nn::Sequential>()) {
    for (const auto& child : seq->children()) describe(*child, steps);
  } else if (const auto* down = module.as<ConvDown>()) {
    steps.push_back(with_shape("view", down->input_shape()));
    describe(*down->layers(), steps);
    steps.push_back(step("flatten"));
  } else if (const auto* up = module.as<ConvUp>()) {
    steps.push_back(with_shape("view", up->code_shape()));
    describe(*up->layers(), steps);
    steps.push_back(step("flatten"));
  } else if (const auto* linear = module.as<torch::nn::Linear>()) {
    steps.push_back(with_weights("linear", linear->weight, linear->bias));
  } else if (const auto* conv = module.as<torch::nn::Conv2d>()) {
    Step s = with_weights("conv2d", conv->weight, conv->bias);
    s.insert("stride", pair(conv->options.stride()));
    s.insert("padding", pair(c10::get<torch::ExpandingArray<2>>(conv->options.padding())));
    steps.push_back(s);
  } else if (const auto* up_conv = module.as<torch::nn::ConvTranspose2d>()) {
    Step s = with_weights("conv_transpose2d", up_conv->weight, up_conv->bias);
    s.insert("stride", pair(up_conv->options.stride()));
    s.insert("padding", pair(c10::get<torch::ExpandingArray<2>>(up_conv->options.padding())));
    s.insert("output_padding", pair(up_conv->options.output_padding()));
    steps.push_back(s);
  } else if (module.as<torch::nn::ReLU>()) {
    steps.push_back(step("relu"));
  } else if (module.as<torch::nn::Sigmoid>()) {
    steps.push_back(step("sigmoid"));
  } else if (module.as<torch::nn::Tanh>()) {
    steps.push_back(step("tanh"));
  } else if (module.as<torch::nn::SELU>()) {
    steps.push_back(step("selu"));
  } else {
    throw Error("export: the model has a layer PyTorch export does not know: " + module.name());
  }
}

Steps steps_of(const torch::nn::Module& model, const std::string& part) {
  Steps steps(c10::AnyType::get());
  for (const auto& child : model.named_children())
    if (child.key() == part) describe(*child.value(), steps);
  if (steps.empty()) throw Error("export: the model has no " + part);
  return steps;
}

}  // namespace

void export_torch(const LoadedModel& loaded, const std::string& path) {
  const ModelSpec& spec = loaded.model->spec();
  if (spec.output == Output::table)
    throw Error("export: a table model (columns of words, each a softmax block) has no PyTorch export yet");
  Step file = dict();
  file.insert("format", std::string("latent torch export"));
  file.insert("version", static_cast<int64_t>(kTorchExportVersion));
  file.insert("spec", spec.to_json().dump());
  file.insert("normalization", loaded.normalization.to_json().dump());
  file.insert("encoder", steps_of(*loaded.model, "encoder"));
  file.insert("decoder", steps_of(*loaded.model, "decoder"));
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(file));
  write_file_atomic(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace latent
