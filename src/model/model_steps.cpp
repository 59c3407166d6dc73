#include "model/model_steps.h"

#include "latent/base/error.h"
#include "model/conv_layers.h"

namespace latent {
namespace {

ModelStep with_weights(const std::string& kind, const torch::Tensor& weight, const torch::Tensor& bias) {
  return {kind, weight.detach().to(torch::kFloat32).contiguous(), bias.detach().to(torch::kFloat32).contiguous(), {}};
}

std::vector<int64_t> pair(torch::ExpandingArray<2> values) { return {(*values)[0], (*values)[1]}; }

// Appends what `module` does to a row, in order.
void describe(const torch::nn::Module& module, std::vector<ModelStep>& steps) {
  if (const auto* seq = module.as<torch::nn::Sequential>()) {
    for (const auto& child : seq->children()) describe(*child, steps);
  } else if (const auto* down = module.as<ConvDown>()) {
    steps.push_back({"view", {}, {}, {{"shape", down->input_shape()}}});
    describe(*down->layers(), steps);
    steps.push_back({"flatten", {}, {}, {}});
  } else if (const auto* up = module.as<ConvUp>()) {
    steps.push_back({"view", {}, {}, {{"shape", up->code_shape()}}});
    describe(*up->layers(), steps);
    steps.push_back({"flatten", {}, {}, {}});
  } else if (const auto* linear = module.as<torch::nn::Linear>()) {
    steps.push_back(with_weights("linear", linear->weight, linear->bias));
  } else if (const auto* conv = module.as<torch::nn::Conv2d>()) {
    ModelStep s = with_weights("conv2d", conv->weight, conv->bias);
    s.settings = {{"stride", pair(conv->options.stride())},
                  {"padding", pair(c10::get<torch::ExpandingArray<2>>(conv->options.padding()))}};
    steps.push_back(s);
  } else if (const auto* up_conv = module.as<torch::nn::ConvTranspose2d>()) {
    ModelStep s = with_weights("conv_transpose2d", up_conv->weight, up_conv->bias);
    s.settings = {{"stride", pair(up_conv->options.stride())},
                  {"padding", pair(c10::get<torch::ExpandingArray<2>>(up_conv->options.padding()))},
                  {"output_padding", pair(up_conv->options.output_padding())}};
    steps.push_back(s);
  } else if (module.as<torch::nn::ReLU>()) {
    steps.push_back({"relu", {}, {}, {}});
  } else if (module.as<torch::nn::Sigmoid>()) {
    steps.push_back({"sigmoid", {}, {}, {}});
  } else if (module.as<torch::nn::Tanh>()) {
    steps.push_back({"tanh", {}, {}, {}});
  } else if (module.as<torch::nn::SELU>()) {
    steps.push_back({"selu", {}, {}, {}});
  } else {
    throw Error("export: the model has a layer export does not know: " + module.name());
  }
}

}  // namespace

std::vector<ModelStep> model_steps(const torch::nn::Module& model, const ModelSpec& spec, const std::string& part) {
  if (spec.output == Output::table)
    throw Error("export: a table model (columns of words, each a softmax block) has no export yet");
  std::vector<ModelStep> steps;
  for (const auto& child : model.named_children())
    if (child.key() == part) describe(*child.value(), steps);
  if (steps.empty()) throw Error("export: the model has no " + part);
  return steps;
}

}  // namespace latent
