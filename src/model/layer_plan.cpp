#include "latent/model/layer_plan.h"

#include "latent/model/code_head.h"

namespace latent {

LayerPlan layer_plan(const ModelSpec& spec, int64_t first_in) {
  std::vector<int64_t> widths = {first_in};
  widths.insert(widths.end(), spec.layers.begin(), spec.layers.end());
  widths.push_back(spec.latent);
  const bool conv = spec.arch == Arch::conv;
  LayerPlan plan;
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    const bool code_layer = i + 2 == widths.size();
    plan.encoder.push_back({widths[i], code_layer ? code_head_width(spec) : widths[i + 1],
                            code_layer ? spec.code_activation : spec.activation});
  }
  for (size_t i = widths.size() - 1; i > 0; --i)
    plan.decoder.push_back({widths[i], widths[i - 1], i > 1 || conv ? spec.activation : Activation::linear});
  return plan;
}

}  // namespace latent
