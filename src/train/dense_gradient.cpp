#include "latent/train/dense_gradient.h"

#include "latent/base/worker_pool.h"
#include "latent/model/layer_plan.h"
#include "latent/runtime/threads.h"
#include "latent/train/corruption.h"
#include "model/dense_kernels.h"
#include "model/dense_product.h"

// oneDNN's OpenMP threads per calling thread (libgomp, which oneDNN links): no header, so that
// compilers without one build this file too.
extern "C" void omp_set_num_threads(int threads);

namespace latent {
namespace {
// The settings whose value the dense passes implement, and those that do nothing in a plain
// code head. Every other setting must keep its default, so one added to ModelSpec later sends
// its models to autograd until the passes learn it.
const char* const kImplemented[] = {"input_shape", "layers", "latent",  "activation", "code_activation",
                                    "output",      "loss",   "corrupt", "sparsity"};
const char* const kInactiveWithPlainHead[] = {"beta",         "kl_warmup",   "noise_start",       "noise_end",
                                              "noise_epochs", "bit_balance", "bit_decorrelation", "neighbours"};

nlohmann::json other_settings(const ModelSpec& spec) {
  nlohmann::json j = spec.to_json();
  for (const char* key : kImplemented) j.erase(key);
  for (const char* key : kInactiveWithPlainHead) j.erase(key);
  return j;
}
}  // namespace

struct DenseGradient::Layer {
  torch::Tensor weight, bias;  // [out, in], [out]: the model's own parameters
  int64_t in, out;
  Activation activation;
  float *weight_grad = nullptr, *bias_grad = nullptr;  // their .grad, looked up before each step
};

// One thread's rows: their gathered inputs, activations per layer, two delta buffers, and (for
// shards other than the first, which writes straight into .grad) its own gradient copies.
struct DenseGradient::Shard {
  std::vector<float> input;                 // [rows, D], when there is no corruption
  std::vector<std::vector<float>> outputs;  // outputs[l]: [rows, out_l]
  std::vector<float> delta, next_delta;
  std::vector<std::vector<Bf16>> inputs_bf16;  // bf16 products: inputs_bf16[l], layer l's input
  std::vector<Bf16> delta_bf16;
  std::vector<std::vector<float>> weight_grads, bias_grads;
  double loss = 0;
};

bool DenseGradient::supports(const ModelSpec& spec) {
  // KL sparsity needs each unit's mean over the whole batch, which no one shard has.
  return spec.code_head == CodeHead::plain && spec.output != Output::table && spec.sparsity.kind != SparsityKind::kl &&
         other_settings(spec) == other_settings(ModelSpec{});
}

DenseGradient::DenseGradient(Autoencoder model, bool bf16_products)
    : model_(std::move(model)),
      bf16_(bf16_products),
      bce_(model_->spec().loss == Loss::bce),
      sigmoid_output_(model_->spec().output == Output::sigmoid),
      l1_weight_(model_->spec().sparsity.kind == SparsityKind::l1 ? static_cast<float>(model_->spec().sparsity.weight)
                                                                  : 0.0f) {
  TORCH_CHECK(supports(model_->spec()), "DenseGradient: not a plain dense autoencoder");
  // The model's Linear modules, in order, are the plan's encoder then decoder layers.
  std::vector<torch::nn::LinearImpl*> linears;
  for (auto& module : model_->modules(/*include_self=*/false))
    if (auto* linear = module->as<torch::nn::LinearImpl>()) linears.push_back(linear);
  LayerPlan plan = layer_plan(model_->spec(), model_->spec().input_size());
  code_layer_ = plan.encoder.size() - 1;
  std::vector<DenseLayer> planned = plan.encoder;
  planned.insert(planned.end(), plan.decoder.begin(), plan.decoder.end());
  TORCH_CHECK(linears.size() == planned.size(), "DenseGradient: the model does not follow its layer plan");
  for (size_t l = 0; l < linears.size(); ++l) {
    const torch::Tensor& weight = linears[l]->weight;
    TORCH_CHECK(weight.size(1) == planned[l].in && weight.size(0) == planned[l].out,
                "DenseGradient: the model does not follow its layer plan");
    layers_.push_back({weight, linears[l]->bias, planned[l].in, planned[l].out, planned[l].activation});
  }
  if (bf16_)
    for (const Layer& layer : layers_) weights_bf16_.emplace_back(static_cast<size_t>(layer.in * layer.out));
  // The pool's threads take both cores; an OpenBLAS call meanwhile (LibTorch's, elsewhere) must
  // not start its own team against them.
  set_blas_threads(1);
}

DenseGradient::~DenseGradient() { set_blas_threads(configured_threads()); }

double DenseGradient::shard_pass(Shard& shard, const float* input, const float* target, int64_t rows, float scale,
                                 float l1_scale, bool first) {
  const size_t count = layers_.size();
  if (shard.outputs.size() != count) shard.outputs.resize(count);
  int64_t widest = 0;
  for (size_t l = 0; l < count; ++l) {
    shard.outputs[l].resize(static_cast<size_t>(rows * layers_[l].out));
    widest = std::max({widest, layers_[l].in, layers_[l].out});
  }
  shard.delta.resize(static_cast<size_t>(rows * widest));
  shard.next_delta.resize(static_cast<size_t>(rows * widest));
  if (bf16_) {
    shard.inputs_bf16.resize(count);
    for (size_t l = 0; l < count; ++l) shard.inputs_bf16[l].resize(static_cast<size_t>(rows * layers_[l].in));
    shard.delta_bf16.resize(static_cast<size_t>(rows * widest));
  }
  if (!first && shard.weight_grads.size() != count) {
    shard.weight_grads.resize(count);
    shard.bias_grads.resize(count);
    for (size_t l = 0; l < count; ++l) {
      shard.weight_grads[l].resize(static_cast<size_t>(layers_[l].out * layers_[l].in));
      shard.bias_grads[l].resize(static_cast<size_t>(layers_[l].out));
    }
  }
  const int m = static_cast<int>(rows);
  // Forward: outputs[l] = act(outputs[l-1] · Wᵀ + b).
  for (size_t l = 0; l < count; ++l) {
    const Layer& layer = layers_[l];
    const float* below = l == 0 ? input : shard.outputs[l - 1].data();
    float* out = shard.outputs[l].data();
    if (bf16_) {
      to_bf16(below, shard.inputs_bf16[l].data(), rows * layer.in);
      bf16_product('N', 'T', m, layer.out, layer.in, shard.inputs_bf16[l].data(), weights_bf16_[l].data(), out);
    } else {
      dense_product('N', 'T', m, layer.out, layer.in, below, layer.in, layer.weight.data_ptr<float>(), layer.in, out,
                    layer.out);
    }
    bias_activation(out, layer.bias.data_ptr<float>(), rows, layer.out, layer.activation);
  }
  // The last layer's logits become their own gradient.
  float* delta = shard.outputs.back().data();
  double loss = output_gradient(delta, target, rows * layers_.back().out, bce_, sigmoid_output_, scale);
  // Backward: dW = δᵀ · below, db = Σ_rows δ, δ_below = (δ · W) ⊙ act'(below).
  for (size_t l = count; l-- > 0;) {
    const Layer& layer = layers_[l];
    const float* below = l == 0 ? input : shard.outputs[l - 1].data();
    float* weight_grad = first ? layer.weight_grad : shard.weight_grads[l].data();
    float* bias_grad = first ? layer.bias_grad : shard.bias_grads[l].data();
    std::fill(bias_grad, bias_grad + layer.out, 0.0f);
    add_column_sums(bias_grad, delta, rows, layer.out);
    float* below_delta = delta == shard.delta.data() ? shard.next_delta.data() : shard.delta.data();
    if (bf16_) {
      Bf16* delta_bf16 = shard.delta_bf16.data();
      to_bf16(delta, delta_bf16, rows * layer.out);
      bf16_product('T', 'N', layer.out, layer.in, m, delta_bf16, shard.inputs_bf16[l].data(), weight_grad);
      if (l == 0) break;  // no gradient for the input
      bf16_product('N', 'N', m, layer.in, layer.out, delta_bf16, weights_bf16_[l].data(), below_delta);
    } else {
      dense_product('T', 'N', layer.out, layer.in, m, delta, layer.out, below, layer.in, weight_grad, layer.in);
      if (l == 0) break;
      dense_product('N', 'N', m, layer.in, layer.out, delta, layer.out, layer.weight.data_ptr<float>(), layer.in,
                    below_delta, layer.in);
    }
    if (l1_scale != 0 && l - 1 == code_layer_) loss += add_l1_gradient(below_delta, below, rows * layer.in, l1_scale);
    activation_backward(below_delta, below, rows * layer.in, layers_[l - 1].activation);
    delta = below_delta;
  }
  return loss;
}

double DenseGradient::shard_gradients(const torch::Tensor& data, const torch::Tensor& rows, int64_t total_rows) {
  TORCH_CHECK(data.is_contiguous() && data.scalar_type() == torch::kFloat32 && data.dim() == 2,
              "DenseGradient: data must be contiguous float [N, D]");
  torch::NoGradGuard no_grad;
  for (auto& layer : layers_) {
    for (torch::Tensor* p : {&layer.weight, &layer.bias})
      if (!p->grad().defined()) p->mutable_grad() = torch::zeros_like(*p);
    layer.weight_grad = layer.weight.grad().data_ptr<float>();
    layer.bias_grad = layer.bias.grad().data_ptr<float>();
  }
  const int64_t count = rows.size(0), width = data.size(1);
  WorkerPool& pool = training_pool();
  while (shards_.size() < static_cast<size_t>(pool.size())) shards_.push_back(std::make_unique<Shard>());
  const int shards = static_cast<int>(std::min<int64_t>(pool.size(), count));
  if (shards == 0) {
    for (auto& layer : layers_) {
      layer.weight.grad().zero_();
      layer.bias.grad().zero_();
    }
    return 0;
  }
  const float scale = 1.0f / static_cast<float>(total_rows * width);
  const float l1_scale = l1_weight_ / static_cast<float>(total_rows * model_->spec().latent);
  // Corrupted inputs are drawn here, on one thread, so a seed gives one result; clean ones are
  // gathered by each thread into its own buffer.
  torch::Tensor target, input;
  const bool corrupted = model_->spec().corrupt.active();
  if (corrupted) {
    target = data.index_select(0, rows);
    input = corrupt(target, model_->spec().corrupt).contiguous();
  }
  const torch::Tensor index = rows.to(torch::kInt64).contiguous();
  const int64_t* row_ids = index.data_ptr<int64_t>();
  const float* all = data.data_ptr<float>();
  if (bf16_)  // this step's weights, rounded once for all shards; every thread takes a slice
    pool.run([&](int t) {
      omp_set_num_threads(1);
      for (size_t l = 0; l < layers_.size(); ++l) {
        const int64_t n = layers_[l].weight.numel(), begin = n * t / pool.size(), end = n * (t + 1) / pool.size();
        if (end > begin)
          to_bf16(layers_[l].weight.data_ptr<float>() + begin, weights_bf16_[l].data() + begin, end - begin);
      }
    });
  pool.run([&](int t) {
    omp_set_num_threads(1);  // each pool thread runs its own products
    Shard& shard = *shards_[static_cast<size_t>(t)];
    shard.loss = 0;
    if (t >= shards) return;
    const int64_t begin = count * t / shards, end = count * (t + 1) / shards;
    const float *in, *tg;
    if (corrupted) {
      in = input.data_ptr<float>() + begin * width;
      tg = target.data_ptr<float>() + begin * width;
    } else {
      shard.input.resize(static_cast<size_t>((end - begin) * width));
      for (int64_t r = begin; r < end; ++r)
        std::copy_n(all + row_ids[r] * width, width, shard.input.data() + (r - begin) * width);
      in = tg = shard.input.data();
    }
    shard.loss = shard_pass(shard, in, tg, end - begin, scale, l1_scale, t == 0);
  });
  // Shards 1.. add their gradients into .grad; every thread takes a slice of each tensor.
  if (shards > 1)
    pool.run([&](int t) {
      auto add_slice = [&](float* into, const std::vector<float>& from) {
        const int64_t n = static_cast<int64_t>(from.size());
        const int64_t begin = n * t / pool.size(), end = n * (t + 1) / pool.size();
        add_into(into + begin, from.data() + begin, end - begin);
      };
      for (size_t l = 0; l < layers_.size(); ++l)
        for (int s = 1; s < shards; ++s) {
          const Shard& from = *shards_[static_cast<size_t>(s)];
          add_slice(layers_[l].weight_grad, from.weight_grads[l]);
          add_slice(layers_[l].bias_grad, from.bias_grads[l]);
        }
    });
  double loss = 0;
  for (auto& shard : shards_) loss += shard->loss;
  return loss;
}

}  // namespace latent
