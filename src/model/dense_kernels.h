#pragma once
// The elementwise parts of a dense autoencoder's training step, as plain loops over
// row-major [rows, width] float arrays (no torch header: this file is compiled with flags
// that let exp/log vectorise, see CMakeLists.txt). Used by DenseGradient and the inference passes.
#include <cstdint>

#include "latent/io/model_parts.h"

namespace latent {

/// z[r, j] = act(z[r, j] + bias[j]) in place.
void bias_activation(float* z, const float* bias, int64_t rows, int64_t width, Activation act);
/// delta *= act'(x), the derivative written in terms of the activation's output y = act(x).
void activation_backward(float* delta, const float* y, int64_t n, Activation act);
/// Output layer: logits → their gradient (in place) of scale·Σ loss(logit, target), where the loss
/// is BCE on logits (`bce`), or squared error of sigmoid(logit) (`sigmoid_output`) or of the
/// logit itself. Returns scale·Σ loss.
double output_gradient(float* logits, const float* target, int64_t n, bool bce, bool sigmoid_output, float scale);
/// Softmax cross-entropy of each row of logits [rows, classes] with its label, in place of the
/// logits: (softmax − one-hot)·scale. Returns Σ_rows −log softmax[label] · scale.
double softmax_gradient(float* logits, const int64_t* labels, int64_t rows, int64_t classes, float scale);
/// The L1 sparsity penalty scale·Σ|code|: adds its gradient scale·sign(code) to delta (the
/// gradient with respect to the codes, before the code activation's derivative) and returns it.
double add_l1_gradient(float* delta, const float* codes, int64_t n, float scale);
/// m[r, j] += v[j] for every row.
void add_to_rows(float* m, const float* v, int64_t rows, int64_t width);
/// The closed-form contractive penalty scale·Σ_r Σ_j slope(codes[r, j])²·squares[j] of a
/// one-layer encoder (slope: the code activation's derivative, written in terms of its output;
/// squares[j] = Σ_i W[j, i]²): adds its gradient with respect to the codes to delta (through the
/// slope; the part through squares is the caller's) and slope² column sums to slope_squares.
void add_contractive_gradient(float* delta, const float* codes, int64_t rows, int64_t width, const float* squares,
                              float scale, Activation act, float* slope_squares);
/// The contractive estimator's pass down the encoder, one layer: scaled = g ⊙ slope(codes), the
/// slope of the layer's activation written in terms of its output; all [n].
void scale_by_slope(const float* g, const float* codes, int64_t n, Activation act, float* scaled);
/// Its backward through that layer, from d_scaled (the gradient with respect to `scaled`, in place;
/// d_g may be g):
/// the gradient with respect to g into d_g (when not null), and d_scaled becomes the gradient with
/// respect to the codes through the slope, d_scaled ⊙ g ⊙ slope'(codes). All [n].
void slope_backward(float* d_scaled, const float* g, const float* codes, int64_t n, Activation act, float* d_g);
/// scale·Σ u² (returned), and u becomes its gradient 2·scale·u.
double square_gradient(float* u, int64_t n, float scale);
/// A variational code: z = μ + exp(½·logvar)·ε for each row of the head's output [μ | logvar]
/// ([rows, 2·latent]) and ε [rows, latent].
void gaussian_sample(const float* head, const float* eps, int64_t rows, int64_t latent, float* z);
/// Its backward: from the gradient dz with respect to z, writes the gradient with respect to the
/// head's output into head_delta [rows, 2·latent], with that of the KL divergence to the prior,
/// kl_scale·Σ ½(μ² + e^logvar − logvar − 1), which it returns.
double gaussian_backward(const float* dz, const float* head, const float* eps, int64_t rows, int64_t latent,
                         float kl_scale, float* head_delta);
/// A binary head's training codes: codes = sigmoid(logits + noise·ε), all [n].
void noisy_sigmoid(const float* logits, const float* eps, float noise, int64_t n, float* codes);
/// delta[r, :] += (codes[r, :] − mean)·matrix + offset, then delta *= codes·(1 − codes): a binary
/// head's penalty joins the gradient with respect to its codes, which then goes through their
/// sigmoid. matrix is [width, width] and symmetric.
void binary_head_backward(float* delta, const float* codes, int64_t rows, int64_t width, const float* mean,
                          const float* matrix, const float* offset);
/// squares[r] = Σ_j m[r, j]².
void row_squares(const float* m, int64_t rows, int64_t width, float* squares);
/// m[r, :] += factors[r]·by[r, :].
void add_scaled_rows(float* m, const float* by, const float* factors, int64_t rows, int64_t width);
/// sums[j] += Σ_r m[r, j].
void add_column_sums(float* sums, const float* m, int64_t rows, int64_t width);
/// into[i] += from[i].
void add_into(float* into, const float* from, int64_t n);

}  // namespace latent
