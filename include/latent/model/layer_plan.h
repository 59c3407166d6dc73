#pragma once
// The dense layers of an autoencoder, computed once from its spec: AutoencoderImpl builds its
// Linear modules from this list and DenseGradient its hand-written passes, so the two cannot
// disagree about an activation or a width.
#include <cstdint>
#include <vector>

#include "latent/io/model_spec.h"

namespace latent {

/// One Linear layer, in → out, followed by `activation` (linear: nothing).
struct DenseLayer {
  int64_t in, out;
  Activation activation;
};

struct LayerPlan {
  std::vector<DenseLayer> encoder;  ///< first_in → layers... → the code head's width
  std::vector<DenseLayer> decoder;  ///< latent → reversed layers... → first_in (logits, unless conv follows)
};

/// `first_in`: the size the dense layers start from (the input's, or the conv stack's output).
/// Hidden layers use the spec's activation, the code layer its code activation; the last decoder
/// layer gives logits, except before the transposed convolutions.
LayerPlan layer_plan(const ModelSpec& spec, int64_t first_in);

}  // namespace latent
