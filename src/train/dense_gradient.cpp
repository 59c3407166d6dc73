#include "latent/train/dense_gradient.h"

#include <algorithm>
#include <cmath>

#include "latent/base/worker_pool.h"
#include "latent/model/code_head.h"
#include "latent/model/layer_plan.h"
#include "latent/runtime/random_draws.h"
#include "latent/runtime/threads.h"
#include "latent/train/corruption.h"
#include "model/dense_kernels.h"
#include "model/dense_product.h"
#include "train/bit_penalty.h"
#include "train/corruption_draws.h"

// oneDNN's OpenMP threads per calling thread (libgomp, which oneDNN links): no header, so that
// compilers without one build this file too.
extern "C" void omp_set_num_threads(int threads);

namespace latent {
namespace {
// The settings whose value the dense passes implement ("neighbours" is the trainer's: it pairs the
// batch's rows). Every other setting must keep its default, so one added to
// ModelSpec later sends its models to autograd until the passes learn it.
const char* const kImplemented[] = {
    "input_shape",    "layers",      "latent",    "activation",   "code_activation", "output",
    "loss",           "corrupt",     "sparsity",  "contractive",  "code_head",       "beta",
    "kl_warmup",      "noise_start", "noise_end", "noise_epochs", "bit_balance",     "bit_decorrelation",
    "neighbour_pull", "neighbours",  "binarize"};

nlohmann::json other_settings(const ModelSpec& spec) {
  nlohmann::json j = spec.to_json();
  for (const char* key : kImplemented) j.erase(key);
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
  std::vector<float> input;                 // [rows, D]: the clean rows, the target
  std::vector<float> corrupted;             // [rows, D]: what the model sees, when it corrupts
  std::vector<std::vector<float>> outputs;  // outputs[l]: [rows, out_l]
  std::vector<float> delta, next_delta;
  std::vector<std::vector<Bf16>> inputs_bf16;  // bf16 products: inputs_bf16[l], layer l's input
  std::vector<Bf16> delta_bf16;
  std::vector<std::vector<float>> weight_grads, bias_grads;
  std::vector<float> code_sums;                // per code unit: Σ codes (KL) or Σ slope² (contractive)
  std::vector<double> bit_sums, bit_products;  // a binary head: Σ_r c_r [bits], Σ_r c_r·c_rᵀ [bits, bits]
  std::vector<float> sample;                   // the decoder's input: a gaussian head's z, a binary head's noisy codes
  std::vector<float> head_delta;               // a gaussian head's gradient [rows, 2·latent]
  std::vector<int64_t> labels;                 // a classifier: the rows' classes
  // The contractive estimate (a deeper encoder): for each encoder layer l, scaled[l] = g_l ⊙
  // slope(outputs[l]) [rows, out_l], pulled[l] = g_(l−1) = scaled[l] · W_l [rows, in_l] (then its
  // gradient), and slope_grads[l], the penalty's gradient with respect to outputs[l].
  std::vector<std::vector<float>> scaled, pulled, slope_grads;
  const float *in = nullptr, *target = nullptr;
  const float* eps = nullptr;   // a gaussian or binary head's ε, or the contractive estimate's ±1, [rows, code]
  int64_t first = 0, rows = 0;  // the shard's rows are the batch's [first, first + rows)
  double loss = 0;
};

// What the penalties on the codes add to the codes' gradient in one step.
struct DenseGradient::CodeTerms {
  float l1_scale = 0;              // L1: its weight / (rows · units)
  std::vector<float> kl_gradient;  // KL: d penalty / d code, the same for every row
  std::vector<float> squares;      // contractive: Σ_i W[j, i]² of the code layer
  float contractive_scale = 0;     // contractive: its weight / rows
  float kl_scale = 0;              // a gaussian head: the KL term's weight / rows
  float noise = 0;                 // a binary head: the noise's standard deviation this epoch
  BitPenalty bits;                 // a binary head: its penalty's gradient
  std::vector<float> pull;         // the neighbour pull: d penalty / d noisy code, [batch rows, bits]
};

bool DenseGradient::supports_classifier(const ModelSpec& body) {
  // The encoder of a plain code head is a chain of dense layers (what the decoder, the loss and
  // the penalties are does not matter: a classifier reads none of them).
  ModelSpec encoder = body;
  encoder.output = ModelSpec{}.output;
  encoder.contractive = 0;
  return body.code_head == CodeHead::plain && supports(encoder);
}

bool DenseGradient::supports(const ModelSpec& spec) {
  // The contractive penalty has a closed form for a one-layer encoder (the autograd model's
  // has_closed_form_jacobian); deeper ones use its random-projection estimate, as autograd does.
  return spec.output != Output::table && (spec.contractive == 0 || spec.code_head == CodeHead::plain) &&
         other_settings(spec) == other_settings(ModelSpec{});
}

DenseGradient::DenseGradient(Autoencoder model, bool bf16_products)
    : model_(std::move(model)),
      objective_(model_->spec()),
      bf16_(bf16_products),
      bce_(objective_.loss == Loss::bce),
      sigmoid_output_(objective_.output == Output::sigmoid),
      gaussian_(objective_.code_head == CodeHead::gaussian),
      binary_(objective_.code_head == CodeHead::binary) {
  TORCH_CHECK(supports(objective_), "DenseGradient: not a plain dense autoencoder");
  take_layers(/*decoder=*/true);
  jacobian_estimate_ = objective_.contractive > 0 && code_layer_ > 0;
  prepare();
}

DenseGradient::DenseGradient(Autoencoder body, torch::nn::Linear head, const CorruptionSpec& corrupt,
                             bool freeze_encoder)
    : model_(std::move(body)),
      objective_(model_->spec()),
      bf16_(false),
      bce_(false),
      sigmoid_output_(false),
      gaussian_(false),
      binary_(false),
      softmax_(true) {
  TORCH_CHECK(supports_classifier(objective_), "DenseGradient: not a dense encoder with a plain code");
  // The objective is the cross-entropy alone: no penalty on the codes, the classifier's corruption.
  objective_.sparsity = SparsitySpec{};
  objective_.contractive = 0;
  objective_.corrupt = corrupt;
  take_layers(/*decoder=*/false);
  layers_.push_back({head->weight, head->bias, head->weight.size(1), head->weight.size(0), Activation::linear});
  TORCH_CHECK(layers_.back().in == layers_[code_layer_].out, "DenseGradient: the softmax layer does not fit the code");
  if (freeze_encoder) first_trained_ = layers_.size() - 1;
  prepare();
}

void DenseGradient::take_layers(bool decoder) {
  // The model's Linear modules, in order, are the plan's encoder then decoder layers.
  std::vector<torch::nn::LinearImpl*> linears;
  for (auto& module : model_->modules(/*include_self=*/false))
    if (auto* linear = module->as<torch::nn::LinearImpl>()) linears.push_back(linear);
  const LayerPlan plan = layer_plan(objective_, objective_.input_size());
  code_layer_ = plan.encoder.size() - 1;
  std::vector<DenseLayer> planned = plan.encoder;
  planned.insert(planned.end(), plan.decoder.begin(), plan.decoder.end());
  TORCH_CHECK(linears.size() == planned.size(), "DenseGradient: the model does not follow its layer plan");
  if (!decoder) planned.resize(plan.encoder.size());
  for (size_t l = 0; l < planned.size(); ++l) {
    const torch::Tensor& weight = linears[l]->weight;
    TORCH_CHECK(weight.size(1) == planned[l].in && weight.size(0) == planned[l].out,
                "DenseGradient: the model does not follow its layer plan");
    layers_.push_back({weight, linears[l]->bias, planned[l].in, planned[l].out, planned[l].activation});
  }
}

void DenseGradient::prepare() {
  if (bf16_)
    for (const Layer& layer : layers_) weights_bf16_.emplace_back(static_cast<size_t>(layer.in * layer.out));
  // The pool's threads take both cores; an OpenBLAS call meanwhile (LibTorch's, elsewhere) must
  // not start its own team against them.
  set_blas_threads(1);
}

DenseGradient::~DenseGradient() { set_blas_threads(configured_threads()); }

void DenseGradient::forward(Shard& shard, const CodeTerms& terms, bool first) {
  const size_t count = layers_.size();
  const int64_t rows = shard.rows;
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
  shard.code_sums.assign(static_cast<size_t>(layers_[code_layer_].out), 0.0f);
  if (gaussian_ || binary_) shard.sample.resize(static_cast<size_t>(rows * layers_[code_layer_ + 1].in));
  if (gaussian_) shard.head_delta.resize(static_cast<size_t>(rows * layers_[code_layer_].out));
  // outputs[l] = act(outputs[l-1] · Wᵀ + b).
  for (size_t l = 0; l < count; ++l) {
    const Layer& layer = layers_[l];
    const float* below = input_of(shard, l);
    float* out = shard.outputs[l].data();
    if (bf16_) {
      to_bf16(below, shard.inputs_bf16[l].data(), rows * layer.in);
      bf16_product('N', 'T', static_cast<int>(rows), layer.out, layer.in, shard.inputs_bf16[l].data(),
                   weights_bf16_[l].data(), out);
    } else {
      dense_product('N', 'T', rows, layer.out, layer.in, below, layer.in, layer.weight.data_ptr<float>(), layer.in, out,
                    layer.out);
    }
    bias_activation(out, layer.bias.data_ptr<float>(), rows, layer.out, layer.activation);
    if (gaussian_ && l == code_layer_) gaussian_sample(out, shard.eps, rows, layer.out / 2, shard.sample.data());
    if (binary_ && l == code_layer_) noisy_sigmoid(out, shard.eps, terms.noise, rows * layer.out, shard.sample.data());
  }
}

const float* DenseGradient::input_of(const Shard& shard, size_t l) const {
  if (l == 0) return shard.in;
  return (gaussian_ || binary_) && l == code_layer_ + 1 ? shard.sample.data() : shard.outputs[l - 1].data();
}

double DenseGradient::backward(Shard& shard, float scale, const CodeTerms& terms, bool first) {
  const size_t count = layers_.size();
  const int64_t rows = shard.rows;
  // The last layer's logits become their own gradient.
  float* delta = shard.outputs.back().data();
  double loss = softmax_
                    ? softmax_gradient(delta, shard.labels.data(), rows, layers_.back().out, scale)
                    : output_gradient(delta, shard.target, rows * layers_.back().out, bce_, sigmoid_output_, scale);
  if (gaussian_ && !bce_)  // the gaussian likelihood's constant, ½·log(2π) a value (scale is ½ / rows)
    loss += std::log(2 * M_PI) * static_cast<double>(rows * layers_.back().out) * scale;
  if (jacobian_estimate_) loss += jacobian_estimate(shard, terms.contractive_scale);
  // dW = δᵀ · below, db = Σ_rows δ, δ_below = (δ · W) ⊙ act'(below).
  for (size_t l = count; l-- > 0;) {
    const Layer& layer = layers_[l];
    const float* below = input_of(shard, l);
    float* weight_grad = first ? layer.weight_grad : shard.weight_grads[l].data();
    float* bias_grad = first ? layer.bias_grad : shard.bias_grads[l].data();
    std::fill(bias_grad, bias_grad + layer.out, 0.0f);
    add_column_sums(bias_grad, delta, rows, layer.out);
    float* below_delta = delta == shard.delta.data() ? shard.next_delta.data() : shard.delta.data();
    if (bf16_) {
      Bf16* delta_bf16 = shard.delta_bf16.data();
      to_bf16(delta, delta_bf16, rows * layer.out);
      bf16_product('T', 'N', layer.out, layer.in, static_cast<int>(rows), delta_bf16, shard.inputs_bf16[l].data(),
                   weight_grad);
      if (l == first_trained_) break;  // no gradient for the input (or a frozen encoder)
      bf16_product('N', 'N', static_cast<int>(rows), layer.in, layer.out, delta_bf16, weights_bf16_[l].data(),
                   below_delta);
    } else {
      dense_product('T', 'N', layer.out, layer.in, rows, delta, layer.out, below, layer.in, weight_grad, layer.in);
      if (l == first_trained_) break;
      dense_product('N', 'N', rows, layer.in, layer.out, delta, layer.out, layer.weight.data_ptr<float>(), layer.in,
                    below_delta, layer.in);
    }
    if (l - 1 == code_layer_ && gaussian_) {  // below is z: on to the head's [μ | logvar]
      loss += gaussian_backward(below_delta, shard.outputs[code_layer_].data(), shard.eps, rows, layer.in,
                                terms.kl_scale, shard.head_delta.data());
      below_delta = shard.head_delta.data();
    } else if (l - 1 == code_layer_ && binary_) {  // below are the noisy codes: on to the logits
      if (!terms.pull.empty()) add_into(below_delta, terms.pull.data() + shard.first * layer.in, rows * layer.in);
      binary_head_backward(below_delta, below, rows, layer.in, terms.bits.mean.data(), terms.bits.matrix.data(),
                           terms.bits.offset.data());
    } else if (l - 1 == code_layer_) {  // below are the codes: the penalties' gradients join
      const int64_t n = rows * layer.in;
      if (terms.l1_scale != 0) loss += add_l1_gradient(below_delta, below, n, terms.l1_scale);
      if (!terms.kl_gradient.empty()) add_to_rows(below_delta, terms.kl_gradient.data(), rows, layer.in);
      if (!terms.squares.empty())
        add_contractive_gradient(below_delta, below, rows, layer.in, terms.squares.data(), terms.contractive_scale,
                                 layers_[l - 1].activation, shard.code_sums.data());
    }
    if (jacobian_estimate_ && l - 1 <= code_layer_)
      add_into(below_delta, shard.slope_grads[l - 1].data(), rows * layers_[l - 1].out);
    activation_backward(below_delta, shard.outputs[l - 1].data(), rows * layers_[l - 1].out, layers_[l - 1].activation);
    delta = below_delta;
  }
  if (jacobian_estimate_)  // the estimate's part of dW_l = scaled[l]ᵀ · d pulled[l], added
    for (size_t l = 0; l <= code_layer_; ++l)
      dense_product('T', 'N', layers_[l].out, layers_[l].in, rows, shard.scaled[l].data(), layers_[l].out,
                    shard.pulled[l].data(), layers_[l].in,
                    first ? layers_[l].weight_grad : shard.weight_grads[l].data(), layers_[l].in, 1.0f);
  return loss;
}

double DenseGradient::jacobian_estimate(Shard& shard, float scale) {
  // autograd's: scale·Σ_r ‖J_rᵀ v_r‖², v_r of ±1 (shard.eps), J_r the codes' Jacobian with
  // respect to the input; Jᵀv is pulled down the encoder as g_(l−1) = (g_l ⊙ slope_l) · W_l.
  const int64_t rows = shard.rows;
  shard.scaled.resize(code_layer_ + 1);
  shard.pulled.resize(code_layer_ + 1);
  shard.slope_grads.resize(code_layer_ + 1);
  for (size_t l = code_layer_ + 1; l-- > 0;) {
    const Layer& layer = layers_[l];
    shard.scaled[l].resize(static_cast<size_t>(rows * layer.out));
    shard.pulled[l].resize(static_cast<size_t>(rows * layer.in));
    shard.slope_grads[l].resize(static_cast<size_t>(rows * layer.out));
    const float* g = l == code_layer_ ? shard.eps : shard.pulled[l + 1].data();
    scale_by_slope(g, shard.outputs[l].data(), rows * layer.out, layer.activation, shard.scaled[l].data());
    dense_product('N', 'N', rows, layer.in, layer.out, shard.scaled[l].data(), layer.out,
                  layer.weight.data_ptr<float>(), layer.in, shard.pulled[l].data(), layer.in);
  }
  const double penalty = square_gradient(shard.pulled[0].data(), rows * layers_[0].in, scale);
  // Back up: d scaled_l = d g_(l−1) · W_lᵀ, then through the slope into d g_l (kept in pulled[l + 1]
  // for the next layer's product) and into slope_grads[l].
  for (size_t l = 0; l <= code_layer_; ++l) {
    const Layer& layer = layers_[l];
    float* d_scaled = shard.slope_grads[l].data();
    dense_product('N', 'T', rows, layer.out, layer.in, shard.pulled[l].data(), layer.in, layer.weight.data_ptr<float>(),
                  layer.in, d_scaled, layer.out);
    const bool top = l == code_layer_;
    float* g = top ? nullptr : shard.pulled[l + 1].data();
    slope_backward(d_scaled, top ? shard.eps : g, shard.outputs[l].data(), rows * layer.out, layer.activation, g);
  }
  return penalty;
}

double DenseGradient::shard_gradients(const torch::Tensor& data, const torch::Tensor& rows, int64_t total_rows,
                                      const torch::Tensor& labels) {
  TORCH_CHECK(data.is_contiguous() && data.scalar_type() == torch::kFloat32 && data.dim() == 2,
              "DenseGradient: data must be contiguous float [N, D]");
  TORCH_CHECK(!softmax_ || (labels.defined() && labels.scalar_type() == torch::kInt64 && labels.dim() == 1 &&
                            labels.size(0) == data.size(0)),
              "DenseGradient: a classifier needs one int64 label per row of the data");
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
  const ModelSpec& spec = objective_;
  TORCH_CHECK(spec.neighbour_pull == 0 || (count == total_rows && count % 2 == 0),
              "DenseGradient: the neighbour pull needs the whole batch, its rows in pairs");
  // The loss is a mean over values; a gaussian head's is a mean over rows of sums over values
  // (BCE, or ½·squared error: the squared error's scale halved).
  // A classifier's is a mean over rows.
  const float scale = softmax_                 ? 1.0f / static_cast<float>(total_rows)
                      : !gaussian_             ? 1.0f / static_cast<float>(total_rows * width)
                      : spec.loss == Loss::bce ? 1.0f / static_cast<float>(total_rows)
                                               : 0.5f / static_cast<float>(total_rows);
  const int64_t units = layers_[code_layer_].out;
  CodeTerms terms;
  if (spec.sparsity.kind == SparsityKind::l1)
    terms.l1_scale = static_cast<float>(spec.sparsity.weight) / static_cast<float>(total_rows * units);
  const bool kl = spec.sparsity.kind == SparsityKind::kl, pooled = kl || binary_;
  if (spec.contractive > 0)
    terms.contractive_scale = static_cast<float>(spec.contractive / static_cast<double>(total_rows));
  if (spec.contractive > 0 && !jacobian_estimate_) {  // a one-layer encoder: the code layer is layer 0
    terms.squares.resize(static_cast<size_t>(units));
    row_squares(layers_[0].weight.data_ptr<float>(), units, layers_[0].in, terms.squares.data());
  }
  // Corruption: row r of this batch is corrupted from (key, r), on whichever thread holds it.
  const bool corrupted = spec.corrupt.active();
  const uint64_t key = corrupted ? draw_corruption_key() : 0;
  // A gaussian or binary head's ε, drawn after the corruption as autograd's objective does.
  torch::Tensor eps;
  const int epoch = model_->is_training() ? model_->epoch() : 0;
  if (gaussian_ || binary_)
    eps = torch::randn({count, gaussian_ ? units / 2 : units}, draw_generator(), torch::kFloat32);
  if (jacobian_estimate_) eps = torch::randint(0, 2, {count, units}, draw_generator(), torch::kFloat32) * 2 - 1;
  if (binary_) terms.noise = static_cast<float>(binary_noise_std(spec, epoch));
  if (gaussian_) {
    terms.kl_scale = static_cast<float>(kl_weight(spec, epoch) / static_cast<double>(total_rows));
  }
  const torch::Tensor index = rows.to(torch::kInt64).contiguous();
  const int64_t* row_ids = index.data_ptr<int64_t>();
  const float* all = data.data_ptr<float>();
  const torch::Tensor row_labels = softmax_ ? labels.index_select(0, index).contiguous() : torch::Tensor();
  if (softmax_ && count > 0) {
    const int64_t classes = layers_.back().out;
    TORCH_CHECK(row_labels.min().item<int64_t>() >= 0 && row_labels.max().item<int64_t>() < classes,
                "DenseGradient: a label is outside the classifier's " + std::to_string(classes) + " classes");
  }
  if (bf16_)  // this step's weights, rounded once for all shards; every thread takes a slice
    pool.run([&](int t) {
      omp_set_num_threads(1);
      for (size_t l = 0; l < layers_.size(); ++l) {
        const auto [begin, end] = part_of(layers_[l].weight.numel(), t, pool.size());
        if (end > begin)
          to_bf16(layers_[l].weight.data_ptr<float>() + begin, weights_bf16_[l].data() + begin, end - begin);
      }
    });
  pool.run([&](int t) {
    omp_set_num_threads(1);  // each pool thread runs its own products
    Shard& shard = *shards_[static_cast<size_t>(t)];
    shard.loss = 0;
    shard.rows = 0;
    if (t >= shards) return;
    const auto [begin, end] = part_of(count, t, shards);
    shard.first = begin;
    shard.rows = end - begin;
    shard.input.resize(static_cast<size_t>(shard.rows * width));
    for (int64_t r = begin; r < end; ++r)
      std::copy_n(all + row_ids[r] * width, width, shard.input.data() + (r - begin) * width);
    shard.in = shard.target = shard.input.data();
    if (softmax_) shard.labels.assign(row_labels.data_ptr<int64_t>() + begin, row_labels.data_ptr<int64_t>() + end);
    if (eps.defined()) shard.eps = eps.data_ptr<float>() + begin * eps.size(1);
    if (corrupted) {
      shard.corrupted.resize(shard.input.size());
      corrupt_rows(shard.input.data(), shard.corrupted.data(), begin, shard.rows, width, spec.corrupt, key);
      shard.in = shard.corrupted.data();
    }
    forward(shard, terms, t == 0);
    // KL sparsity and a binary head's penalty need every shard's codes first.
    if (kl) add_column_sums(shard.code_sums.data(), shard.outputs[code_layer_].data(), shard.rows, units);
    if (binary_) add_moments(shard, units);
    if (!pooled) shard.loss = backward(shard, scale, terms, t == 0);
  });
  double penalty = 0;
  if (kl) penalty = kl_gradient(terms, count, total_rows);
  if (binary_) penalty = pooled_bit_penalty(terms, count, total_rows);
  if (spec.neighbour_pull > 0) penalty += neighbour_pull(terms, count);
  if (pooled) {
    pool.run([&](int t) {
      omp_set_num_threads(1);
      if (t < shards)
        shards_[static_cast<size_t>(t)]->loss = backward(*shards_[static_cast<size_t>(t)], scale, terms, t == 0);
    });
  }
  // Shards 1.. add their gradients into .grad, and the contractive penalty its part through the
  // weights (2·scale·W[j, i]·Σ_r slope²); every thread takes a slice of each tensor.
  std::vector<float> weight_factors;  // 2·scale·Σ_r slope² of each code unit
  if (!terms.squares.empty()) {
    std::vector<float> slope_squares(static_cast<size_t>(units), 0.0f);
    for (int s = 0; s < shards; ++s)
      add_into(slope_squares.data(), shards_[static_cast<size_t>(s)]->code_sums.data(), units);
    for (int64_t j = 0; j < units; ++j) {
      penalty += static_cast<double>(terms.contractive_scale) * slope_squares[j] * terms.squares[j];
      weight_factors.push_back(2.0f * terms.contractive_scale * slope_squares[j]);
    }
  }
  if (shards > 1 || !weight_factors.empty())
    pool.run([&](int t) {
      auto add_part = [&](float* into, const std::vector<float>& from) {
        const auto [begin, end] = part_of(static_cast<int64_t>(from.size()), t, pool.size());
        add_into(into + begin, from.data() + begin, end - begin);
      };
      for (size_t l = first_trained_; l < layers_.size(); ++l)
        for (int s = 1; s < shards; ++s) {
          const Shard& from = *shards_[static_cast<size_t>(s)];
          add_part(layers_[l].weight_grad, from.weight_grads[l]);
          add_part(layers_[l].bias_grad, from.bias_grads[l]);
        }
      if (!weight_factors.empty()) {
        const int64_t in = layers_[0].in;
        const auto [begin, end] = part_of(units, t, pool.size());
        add_scaled_rows(layers_[0].weight_grad + begin * in, layers_[0].weight.data_ptr<float>() + begin * in,
                        weight_factors.data() + begin, end - begin, in);
      }
    });
  double loss = penalty;
  for (auto& shard : shards_) loss += shard->loss;
  return loss;
}

void DenseGradient::add_moments(Shard& shard, int64_t bits) const {
  const bool products = objective_.bit_decorrelation > 0;  // only decorrelation reads them
  shard.bit_sums.assign(static_cast<size_t>(bits), 0.0);
  shard.bit_products.assign(products ? static_cast<size_t>(bits * bits) : 0, 0.0);
  for (int64_t r = 0; r < shard.rows; ++r) {
    const float* c = shard.sample.data() + r * bits;
    for (int64_t i = 0; i < bits; ++i) {
      shard.bit_sums[i] += c[i];
      if (products)
        for (int64_t j = 0; j < bits; ++j) shard.bit_products[i * bits + j] += static_cast<double>(c[i]) * c[j];
    }
  }
}

double DenseGradient::pooled_bit_penalty(CodeTerms& terms, int64_t rows, int64_t total_rows) const {
  const size_t bits = static_cast<size_t>(layers_[code_layer_].out);
  std::vector<double> sums(bits, 0.0), products(shards_[0]->bit_products.size(), 0.0);
  for (const auto& shard : shards_) {
    if (shard->rows == 0) continue;
    for (size_t i = 0; i < sums.size(); ++i) sums[i] += shard->bit_sums[i];
    for (size_t i = 0; i < products.size(); ++i) products[i] += shard->bit_products[i];
  }
  terms.bits =
      bit_penalty(objective_, sums, products, rows, static_cast<double>(rows) / static_cast<double>(total_rows));
  return terms.bits.value;
}

double DenseGradient::neighbour_pull(CodeTerms& terms, int64_t rows) const {
  // autograd's: weight · mean over the pairs (i, i + rows/2) and bits of (c_i − c_{i+rows/2})².
  const int64_t bits = layers_[code_layer_].out, half = rows / 2;
  std::vector<float> codes(static_cast<size_t>(rows * bits));
  for (const auto& shard : shards_)
    if (shard->rows > 0) std::copy_n(shard->sample.data(), shard->rows * bits, codes.data() + shard->first * bits);
  const double weight = objective_.neighbour_pull / static_cast<double>(half * bits);
  terms.pull.assign(codes.size(), 0.0f);
  double sum = 0;
  for (int64_t k = 0; k < half * bits; ++k) {
    const double difference = static_cast<double>(codes[k]) - codes[half * bits + k];
    sum += difference * difference;
    terms.pull[k] = static_cast<float>(2 * weight * difference);
    terms.pull[half * bits + k] = -terms.pull[k];
  }
  return weight * sum;
}

double DenseGradient::kl_gradient(CodeTerms& terms, int64_t rows, int64_t total_rows) const {
  const SparsitySpec& sparsity = objective_.sparsity;
  const int64_t units = layers_[code_layer_].out;
  std::vector<float> sums(static_cast<size_t>(units), 0.0f);
  for (const auto& shard : shards_)
    if (shard->rows > 0) add_into(sums.data(), shard->code_sums.data(), units);
  // autograd's: weight · mean_j KL(ρ ‖ clamp(ρ̂_j, 1e-6, 1 − 1e-6)) over these rows, the clamp
  // passing no gradient outside its range; a shard of a bigger batch weighs rows / total_rows.
  const double rho = sparsity.rho, share = static_cast<double>(rows) / static_cast<double>(total_rows);
  const double per_unit = sparsity.weight * share / static_cast<double>(units);
  terms.kl_gradient.assign(static_cast<size_t>(units), 0.0f);
  double kl = 0;
  for (int64_t j = 0; j < units; ++j) {
    const double mean = static_cast<double>(sums[static_cast<size_t>(j)]) / static_cast<double>(rows);
    const double clamped = std::clamp(mean, 1e-6, 1 - 1e-6);
    kl += rho * std::log(rho / clamped) + (1 - rho) * std::log((1 - rho) / (1 - clamped));
    if (mean >= 1e-6 && mean <= 1 - 1e-6)
      terms.kl_gradient[static_cast<size_t>(j)] =
          static_cast<float>(per_unit * (-rho / clamped + (1 - rho) / (1 - clamped)) / static_cast<double>(rows));
  }
  return per_unit * kl;
}

}  // namespace latent
