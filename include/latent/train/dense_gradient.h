#pragma once
// The gradient of a dense autoencoder's loss, computed by hand instead of through
// autograd: one oneDNN sgemm per product (about twice OpenBLAS's rate per thread here) and one
// fused loop per elementwise step, the batch split over a persistent pool of threads that each
// run whole forward and backward passes on their rows with single-threaded products (so no BLAS
// worker spins while another thread runs elementwise work, the cost that held the autograd path
// to ~half the machine's sgemm rate).
//
// The same numbers as autograd on AutoencoderImpl::objective (up to float rounding), for the
// models supports() accepts: dense layers, any code head (binary with or without the neighbour pull),
// L1 or KL sparsity, the contractive penalty (a one-layer encoder's closed form, a deeper one's
// estimate from the same ±1 draws as autograd's), any corruption; and a classifier's: the encoder of such a model
// (plain code head) and a softmax layer, cross-entropy with the labels (classifier.h's objective). supports() is an
// allow-list (a setting it does not know must keep its default). The layers are the model's layer_plan(). The threads
// are training_pool()'s.
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "latent/io/regularizer_spec.h"
#include "latent/model/autoencoder.h"
#include "latent/train/gradient_engine.h"

namespace latent {

class DenseGradient : public GradientEngine {
 public:
  static bool supports(const ModelSpec& spec);
  /// Can the passes run a classifier on this autoencoder's encoder?
  static bool supports_classifier(const ModelSpec& body);
  /// Sets BLAS to one thread (each pool thread runs its own GEMMs) until destroyed. With
  /// bf16_products, every product takes its inputs rounded to bfloat16 (the weights once a step)
  /// and sums in float; the activations, gradients and parameters stay float.
  explicit DenseGradient(Autoencoder model, bool bf16_products = false);
  /// A classifier: body's encoder then `head` (logits), the inputs corrupted by `corrupt`; with
  /// freeze_encoder only the head's gradient is computed (the encoder's .grad is left alone).
  DenseGradient(Autoencoder body, torch::nn::Linear head, const CorruptionSpec& corrupt, bool freeze_encoder);
  ~DenseGradient() override;

  /// Sets the parameters' .grad to the gradient of Σ loss / (total_rows · D) over the rows
  /// `rows` (int64 indices) of `data` ([N, D] float, contiguous), each reconstructed from its
  /// copy corrupted by the model's --corrupt, and returns that value. total_rows = rows.size(0)
  /// gives the batch mean autograd's objective computes; a larger total gives this shard's
  /// share of a bigger batch. labels: a classifier's, int64, one per row of data.
  double shard_gradients(const torch::Tensor& data, const torch::Tensor& rows, int64_t total_rows,
                         const torch::Tensor& labels = {});
  /// The mean over `rows`: the whole step's batch.
  double gradients(const torch::Tensor& data, const torch::Tensor& rows, const torch::Tensor& labels) override {
    return shard_gradients(data, rows, rows.size(0), labels);
  }

 private:
  struct Layer;
  struct Shard;
  struct CodeTerms;
  /// The model's Linear modules as layers_ (its encoder's, and its decoder's with `decoder`) and
  /// code_layer_, checked against objective_'s layer plan.
  void take_layers(bool decoder);
  /// bf16 weight buffers; BLAS to one thread.
  void prepare();
  /// The shard's rows (shard.in) through every layer; the first shard writes its gradients into .grad.
  void forward(Shard& shard, const CodeTerms& terms, bool first);
  /// The shard's gradients and its share of the loss (scale: 1 / (total rows · D)).
  double backward(Shard& shard, float scale, const CodeTerms& terms, bool first);
  /// A deeper encoder's contractive estimate scale·Σ‖Jᵀv‖² on the shard's rows: returns it and
  /// leaves in the shard what backward() adds to the gradients.
  double jacobian_estimate(Shard& shard, float scale);
  /// The KL sparsity penalty of the shards' code sums over `rows` rows: sets terms.kl_gradient
  /// and returns the penalty.
  double kl_gradient(CodeTerms& terms, int64_t rows, int64_t total_rows) const;
  /// A binary head's Σ codes and Σ codes·codesᵀ over the shard's rows.
  void add_moments(Shard& shard, int64_t bits) const;
  /// The binary head's penalty of the shards' moments over `rows` rows: sets terms.bits and
  /// returns the penalty.
  double pooled_bit_penalty(CodeTerms& terms, int64_t rows, int64_t total_rows) const;
  /// A binary head's neighbour pull over the batch's `rows` rows, row i paired with i + rows/2
  /// (the trainer's pairs): sets terms.pull and returns the penalty.
  double neighbour_pull(CodeTerms& terms, int64_t rows) const;
  /// Layer l's input: the rows, the layer below's output, or a code head's sample.
  const float* input_of(const Shard& shard, size_t l) const;

  Autoencoder model_;
  ModelSpec objective_;  ///< what the passes compute: the model's spec, or a classifier's (no penalty, its corruption)
  std::vector<Layer> layers_;
  std::vector<std::unique_ptr<Shard>> shards_;
  bool bf16_;
  std::vector<std::vector<uint16_t>> weights_bf16_;  ///< bf16_: this step's weights, rounded
  bool bce_, sigmoid_output_;
  bool gaussian_;                   ///< a variational code head: [μ | logvar], decoded from a sample
  bool binary_;                     ///< a binary code head: decoded from sigmoid(logits + noise)
  bool softmax_ = false;            ///< a classifier: the last layer's logits, cross-entropy with labels
  bool jacobian_estimate_ = false;  ///< the contractive penalty of a deeper encoder: estimated
  size_t code_layer_ = 0;           ///< the layer whose outputs are the codes
  size_t first_trained_ = 0;        ///< layers below it get no gradient (a frozen encoder)
};

}  // namespace latent
