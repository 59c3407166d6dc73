#include "model/dense_kernels.h"

#include <algorithm>
#include <cmath>

#include "base/vector_clones.h"

// Compiled with -O3 -ffast-math: glibc's vector exp/log (libmvec) are only used under
// __FAST_MATH__. NaN logits still give a NaN loss (the trainer stops on it).

namespace latent {
namespace {
constexpr float kSeluAlpha = 1.6732632423543772848170429916717f;
constexpr float kSeluScale = 1.0507009873554804934193349852946f;

// σ(x) from e^(−|x|), which is in (0, 1]: 1 / (1 + e^(−x)) overflows below x ≈ −88, and under
// -ffast-math that infinity came out as NaN (where IEEE would give 0).
inline float sigmoid(float x) {
  const float e = std::exp(-std::fabs(x));
  return x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
}
}  // namespace

LATENT_CLONES void bias_activation(float* __restrict z, const float* __restrict bias, int64_t rows, int64_t width,
                                   Activation act) {
  for (int64_t r = 0; r < rows; ++r) {
    float* __restrict row = z + r * width;
    switch (act) {
      case Activation::linear:
        for (int64_t j = 0; j < width; ++j) row[j] += bias[j];
        break;
      case Activation::relu:
        for (int64_t j = 0; j < width; ++j) row[j] = std::fmax(row[j] + bias[j], 0.0f);
        break;
      case Activation::sigmoid:
        for (int64_t j = 0; j < width; ++j) row[j] = sigmoid(row[j] + bias[j]);
        break;
      case Activation::tanh:
        for (int64_t j = 0; j < width; ++j) row[j] = std::tanh(row[j] + bias[j]);
        break;
      case Activation::selu:
        for (int64_t j = 0; j < width; ++j) {
          float x = row[j] + bias[j];
          row[j] = kSeluScale * (x > 0 ? x : kSeluAlpha * (std::exp(x) - 1.0f));
        }
        break;
    }
  }
}

LATENT_CLONES void activation_backward(float* __restrict delta, const float* __restrict y, int64_t n, Activation act) {
  switch (act) {
    case Activation::linear:
      break;
    case Activation::relu:
      for (int64_t i = 0; i < n; ++i) delta[i] = y[i] > 0 ? delta[i] : 0.0f;
      break;
    case Activation::sigmoid:
      for (int64_t i = 0; i < n; ++i) delta[i] *= y[i] * (1.0f - y[i]);
      break;
    case Activation::tanh:
      for (int64_t i = 0; i < n; ++i) delta[i] *= 1.0f - y[i] * y[i];
      break;
    case Activation::selu:  // y = λα(eˣ − 1) below 0, so dy/dx = λαeˣ = y + λα
      for (int64_t i = 0; i < n; ++i) delta[i] *= y[i] > 0 ? kSeluScale : y[i] + kSeluScale * kSeluAlpha;
      break;
  }
}

LATENT_CLONES double output_gradient(float* __restrict logits, const float* __restrict target, int64_t n, bool bce,
                                     bool sigmoid_output, float scale) {
  float total = 0;  // per call: one shard's rows, a few hundred thousand terms < 1 each
  if (bce) {
    for (int64_t i = 0; i < n; ++i) {
      float z = logits[i], t = target[i];
      float e = std::exp(-std::fabs(z));  // in (0, 1]: no overflow for any logit
      float inv = 1.0f / (1.0f + e);
      float sigmoid = z >= 0 ? inv : e * inv;
      total += std::fmax(z, 0.0f) - z * t + std::log(1.0f + e);
      logits[i] = (sigmoid - t) * scale;
    }
  } else if (sigmoid_output) {
    for (int64_t i = 0; i < n; ++i) {
      float r = sigmoid(logits[i]);
      float diff = r - target[i];
      total += diff * diff;
      logits[i] = 2.0f * diff * r * (1.0f - r) * scale;
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      float diff = logits[i] - target[i];
      total += diff * diff;
      logits[i] = 2.0f * diff * scale;
    }
  }
  return static_cast<double>(total) * scale;
}

double softmax_gradient(float* logits, const int64_t* labels, int64_t rows, int64_t classes, float scale) {
  double total = 0;
  for (int64_t r = 0; r < rows; ++r) {
    float* z = logits + r * classes;
    const float top = *std::max_element(z, z + classes);
    double sum = 0;
    for (int64_t k = 0; k < classes; ++k) sum += std::exp(static_cast<double>(z[k] - top));
    total += std::log(sum) - static_cast<double>(z[labels[r]] - top);
    for (int64_t k = 0; k < classes; ++k)
      z[k] = static_cast<float>(std::exp(static_cast<double>(z[k] - top)) / sum) * scale;
    z[labels[r]] -= scale;
  }
  return total * scale;
}

LATENT_CLONES double add_l1_gradient(float* delta, const float* codes, int64_t n, float scale) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float c = codes[i];
    sum += std::fabs(c);
    delta[i] += c > 0 ? scale : c < 0 ? -scale : 0.0f;  // sign(0) = 0, as autograd's abs
  }
  return scale * sum;
}

LATENT_CLONES void add_to_rows(float* __restrict m, const float* __restrict v, int64_t rows, int64_t width) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < width; ++j) m[r * width + j] += v[j];
}

namespace {
// An activation's slope and that slope's derivative, both in terms of its output y.
inline float slope_of(float y, Activation act) {
  if (act == Activation::sigmoid) return y * (1.0f - y);
  if (act == Activation::tanh) return 1.0f - y * y;
  if (act == Activation::relu) return y > 0 ? 1.0f : 0.0f;
  if (act == Activation::selu) return y > 0 ? kSeluScale : y + kSeluScale * kSeluAlpha;
  return 1.0f;
}
inline float slope_derivative(float y, Activation act) {
  if (act == Activation::sigmoid) return 1.0f - 2.0f * y;
  if (act == Activation::tanh) return -2.0f * y;
  if (act == Activation::selu) return y > 0 ? 0.0f : 1.0f;
  return 0.0f;
}
}  // namespace

LATENT_CLONES void add_contractive_gradient(float* __restrict delta, const float* __restrict codes, int64_t rows,
                                            int64_t width, const float* __restrict squares, float scale, Activation act,
                                            float* __restrict slope_squares) {
  for (int64_t r = 0; r < rows; ++r) {
    float* __restrict d = delta + r * width;
    const float* __restrict h = codes + r * width;
    for (int64_t j = 0; j < width; ++j) {
      const float s = slope_of(h[j], act), ds2 = 2.0f * s * slope_derivative(h[j], act);  // d(s²)/dh
      d[j] += scale * squares[j] * ds2;
      slope_squares[j] += s * s;
    }
  }
}

LATENT_CLONES void scale_by_slope(const float* __restrict g, const float* __restrict codes, int64_t n, Activation act,
                                  float* __restrict scaled) {
  for (int64_t i = 0; i < n; ++i) scaled[i] = g[i] * slope_of(codes[i], act);
}

// d_g may be g itself (the caller's buffer of g becomes its gradient): no __restrict on them.
LATENT_CLONES void slope_backward(float* __restrict d_scaled, const float* g, const float* __restrict codes, int64_t n,
                                  Activation act, float* d_g) {
  for (int64_t i = 0; i < n; ++i) {
    const float d = d_scaled[i], gi = g[i];
    d_scaled[i] = d * gi * slope_derivative(codes[i], act);
    if (d_g) d_g[i] = d * slope_of(codes[i], act);
  }
}

LATENT_CLONES double square_gradient(float* __restrict u, int64_t n, float scale) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    sum += static_cast<double>(u[i]) * u[i];
    u[i] *= 2.0f * scale;
  }
  return static_cast<double>(scale) * sum;
}

LATENT_CLONES void gaussian_sample(const float* __restrict head, const float* __restrict eps, int64_t rows,
                                   int64_t latent, float* __restrict z) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict mean = head + r * 2 * latent;
    const float* __restrict logvar = mean + latent;
    for (int64_t j = 0; j < latent; ++j) z[r * latent + j] = mean[j] + std::exp(0.5f * logvar[j]) * eps[r * latent + j];
  }
}

LATENT_CLONES double gaussian_backward(const float* __restrict dz, const float* __restrict head,
                                       const float* __restrict eps, int64_t rows, int64_t latent, float kl_scale,
                                       float* __restrict head_delta) {
  float kl = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict mean = head + r * 2 * latent;
    const float* __restrict logvar = mean + latent;
    float* __restrict mean_delta = head_delta + r * 2 * latent;
    float* __restrict logvar_delta = mean_delta + latent;
    for (int64_t j = 0; j < latent; ++j) {
      const float variance = std::exp(logvar[j]), d = dz[r * latent + j];
      kl += 0.5f * (mean[j] * mean[j] + variance - logvar[j] - 1.0f);
      mean_delta[j] = d + kl_scale * mean[j];
      logvar_delta[j] = 0.5f * (d * eps[r * latent + j] * std::exp(0.5f * logvar[j]) + kl_scale * (variance - 1.0f));
    }
  }
  return static_cast<double>(kl) * kl_scale;
}

LATENT_CLONES void noisy_sigmoid(const float* __restrict logits, const float* __restrict eps, float noise, int64_t n,
                                 float* __restrict codes) {
  for (int64_t i = 0; i < n; ++i) codes[i] = sigmoid(logits[i] + noise * eps[i]);
}

LATENT_CLONES void binary_head_backward(float* __restrict delta, const float* __restrict codes, int64_t rows,
                                        int64_t width, const float* __restrict mean, const float* __restrict matrix,
                                        const float* __restrict offset) {
  for (int64_t r = 0; r < rows; ++r) {
    float* __restrict d = delta + r * width;
    const float* __restrict c = codes + r * width;
    for (int64_t k = 0; k < width; ++k) d[k] += offset[k];
    for (int64_t j = 0; j < width; ++j) {
      const float centred = c[j] - mean[j];
      for (int64_t k = 0; k < width; ++k) d[k] += centred * matrix[j * width + k];
    }
    for (int64_t k = 0; k < width; ++k) d[k] *= c[k] * (1.0f - c[k]);
  }
}

LATENT_CLONES void row_squares(const float* __restrict m, int64_t rows, int64_t width, float* __restrict squares) {
  for (int64_t r = 0; r < rows; ++r) {
    float sum = 0;  // -ffast-math: summed in vector lanes, not one long dependency chain
    for (int64_t j = 0; j < width; ++j) sum += m[r * width + j] * m[r * width + j];
    squares[r] = sum;
  }
}

LATENT_CLONES void add_scaled_rows(float* __restrict m, const float* __restrict by, const float* __restrict factors,
                                   int64_t rows, int64_t width) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < width; ++j) m[r * width + j] += factors[r] * by[r * width + j];
}

void add_column_sums(float* __restrict sums, const float* __restrict m, int64_t rows, int64_t width) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < width; ++j) sums[j] += m[r * width + j];
}

LATENT_CLONES void add_into(float* __restrict into, const float* __restrict from, int64_t n) {
  for (int64_t i = 0; i < n; ++i) into[i] += from[i];
}

}  // namespace latent
