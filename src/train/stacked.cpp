#include "latent/train/stacked.h"

#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/model/evaluate.h"

namespace latent {
namespace {

std::vector<int64_t> stack_widths(const ModelSpec& deep) {
  std::vector<int64_t> widths = {deep.input_size()};
  widths.insert(widths.end(), deep.layers.begin(), deep.layers.end());
  widths.push_back(deep.latent);
  return widths;
}

std::vector<torch::nn::Linear> part_linears(Autoencoder& model, const std::string& part) {
  std::vector<torch::nn::Linear> out;
  for (const auto& child : model->named_children()) {
    if (child.key() != part) continue;
    for (const auto& module : child.value()->children())
      if (auto linear = std::dynamic_pointer_cast<torch::nn::LinearImpl>(module)) out.emplace_back(linear);
  }
  return out;
}

void check_stackable(const ModelSpec& spec) {
  if (spec.arch != Arch::dense || spec.code_head != CodeHead::plain)
    throw Error("stacked pretraining needs a dense autoencoder with a plain code (not a conv or variational one)");
}

// The codes of `layer` for every row of `data`, as the next layer's data set (labels kept).
Dataset codes_of(Autoencoder& layer, const Dataset& data) {
  if (data.empty()) return data;
  Dataset next;
  next.x = encode_all(layer, data.inputs()).contiguous();
  next.y = data.y;
  next.sample_shape = {next.x.size(1)};
  return next;
}

}  // namespace

size_t stack_depth(const ModelSpec& deep) { return deep.layers.size() + 1; }

ModelSpec layer_spec(const ModelSpec& deep, size_t k, const CorruptionSpec& corrupt) {
  check_stackable(deep);
  std::vector<int64_t> widths = stack_widths(deep);
  if (k + 1 >= widths.size()) throw Error("layer_spec: layer index out of range");
  ModelSpec spec = deep;
  spec.input_shape = k == 0 ? deep.input_shape : std::vector<int64_t>{widths[k]};
  spec.layers.clear();
  spec.latent = widths[k + 1];
  spec.code_activation = k + 2 == widths.size() ? deep.code_activation : deep.activation;
  // Above the first layer the data are the codes below: in [0,1] when the activation is sigmoid.
  if (k > 0) spec.set_type(ModelType::ae, deep.activation == Activation::sigmoid);
  spec.corrupt = corrupt;
  // Penalties of the deep spec (sparsity, contraction) belong to its code, i.e. the last layer.
  if (k + 2 != widths.size()) {
    spec.sparsity = SparsitySpec{};
    spec.contractive = 0;
  }
  spec.validate();
  return spec;
}

std::vector<torch::nn::Linear> encoder_linears(Autoencoder& model) { return part_linears(model, "encoder"); }
std::vector<torch::nn::Linear> decoder_linears(Autoencoder& model) { return part_linears(model, "decoder"); }

void unroll_layer(Autoencoder& deep, Autoencoder& layer, size_t k) {
  auto deep_enc = encoder_linears(deep), deep_dec = decoder_linears(deep);
  auto layer_enc = encoder_linears(layer), layer_dec = decoder_linears(layer);
  TORCH_INTERNAL_ASSERT(layer_enc.size() == 1 && layer_dec.size() == 1 && k < deep_enc.size() &&
                        deep_enc.size() == deep_dec.size());
  torch::NoGradGuard no_grad;
  deep_enc[k]->weight.copy_(layer_enc[0]->weight);
  deep_enc[k]->bias.copy_(layer_enc[0]->bias);
  auto& mirror = deep_dec[deep_dec.size() - 1 - k];
  mirror->weight.copy_(layer_dec[0]->weight);
  mirror->bias.copy_(layer_dec[0]->bias);
}

Autoencoder pretrain_stack(const ModelSpec& deep, const Dataset& train, const Dataset& val, const TrainOptions& options,
                           const CorruptionSpec& corrupt, const LayerEpochCallback& on_epoch, PretrainReport* report) {
  check_stackable(deep);
  torch::manual_seed(options.seed);
  Autoencoder unrolled(deep);
  const size_t depth = stack_depth(deep);
  Dataset layer_train = train, layer_val = val;
  for (size_t k = 0; k < depth; ++k) {
    ModelSpec spec = layer_spec(deep, k, corrupt);
    TrainOptions layer_options = options;
    layer_options.seed = options.seed + k;
    torch::manual_seed(layer_options.seed);
    Autoencoder layer(spec);
    log_line("layer " + std::to_string(k + 1) + "/" + std::to_string(depth) + ": " + spec.shape_string() + " (" +
             std::to_string(layer->parameter_count()) + " parameters)");
    Trainer trainer(layer, layer_options);
    std::vector<EpochStats> history;
    trainer.fit(layer_train, layer_val, [&](const EpochStats& stats, bool) {
      history.push_back(stats);
      on_epoch(k, stats);
    });
    // The last epoch's weights, not the best validation epoch's: the next layer trains on them.
    unroll_layer(unrolled, trainer.model(), k);
    if (report) report->layers.push_back(std::move(history));
    if (k + 1 < depth) {
      layer_train = codes_of(trainer.model(), layer_train);
      layer_val = codes_of(trainer.model(), layer_val);
    }
  }
  unrolled->eval();
  return unrolled;
}

}  // namespace latent
