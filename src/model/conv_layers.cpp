#include "model/conv_layers.h"

namespace latent {
namespace {

// Height and width before each convolution and after the last: {H, W}, {⌈H/2⌉, ⌈W/2⌉}, ...
std::vector<std::pair<int64_t, int64_t>> spatial_sizes(const ModelSpec& spec) {
  std::vector<std::pair<int64_t, int64_t>> sizes = {{spec.input_shape[1], spec.input_shape[2]}};
  for (size_t i = 0; i < spec.channels.size(); ++i)
    sizes.push_back({(sizes.back().first + 1) / 2, (sizes.back().second + 1) / 2});
  return sizes;
}

}  // namespace

int64_t conv_output_size(const ModelSpec& spec) {
  const auto last = spatial_sizes(spec).back();
  return spec.channels.back() * last.first * last.second;
}

int64_t conv_parameter_count(const ModelSpec& spec) {
  int64_t count = 0, in = spec.input_shape[0];
  for (int64_t out : spec.channels) {
    count += 2 * in * out * 9 + out + in;  // in → out 3×3 (bias: out), its mirror out → in (bias: in)
    in = out;
  }
  return count;
}

void add_activation(torch::nn::Sequential& seq, Activation activation) {
  switch (activation) {
    case Activation::relu:
      seq->push_back(torch::nn::ReLU());
      break;
    case Activation::sigmoid:
      seq->push_back(torch::nn::Sigmoid());
      break;
    case Activation::tanh:
      seq->push_back(torch::nn::Tanh());
      break;
    case Activation::selu:
      seq->push_back(torch::nn::SELU());
      break;
    case Activation::linear:
      break;
  }
}

ConvDownImpl::ConvDownImpl(const ModelSpec& spec)
    : input_shape_(spec.input_shape), output_size_(conv_output_size(spec)) {
  int64_t in = spec.input_shape[0];
  for (int64_t out : spec.channels) {
    layers_->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(2).padding(1)));
    add_activation(layers_, spec.activation);
    in = out;
  }
  register_module("layers", layers_);
}

int64_t ConvDownImpl::output_size() const { return output_size_; }

torch::Tensor ConvDownImpl::forward(const torch::Tensor& x) {
  return layers_->forward(x.view({x.size(0), input_shape_[0], input_shape_[1], input_shape_[2]})).flatten(1);
}

ConvUpImpl::ConvUpImpl(const ModelSpec& spec) {
  auto sizes = spatial_sizes(spec);
  const auto& ch = spec.channels;
  code_shape_ = {ch.back(), sizes.back().first, sizes.back().second};
  for (size_t i = ch.size(); i > 0; --i) {
    int64_t out = i > 1 ? ch[i - 2] : spec.input_shape[0];
    // A stride-2 transposed 3×3 gives 2s-1 (+1 with output padding): pick the size the encoder had.
    int64_t pad_h = sizes[i - 1].first - (2 * sizes[i].first - 1);
    int64_t pad_w = sizes[i - 1].second - (2 * sizes[i].second - 1);
    layers_->push_back(torch::nn::ConvTranspose2d(
        torch::nn::ConvTranspose2dOptions(ch[i - 1], out, 3).stride(2).padding(1).output_padding({pad_h, pad_w})));
    if (i > 1) add_activation(layers_, spec.activation);
  }
  register_module("layers", layers_);
}

torch::Tensor ConvUpImpl::forward(const torch::Tensor& x) {
  return layers_->forward(x.view({x.size(0), code_shape_[0], code_shape_[1], code_shape_[2]})).flatten(1);
}

}  // namespace latent
