#include "latent/train/trained_net.h"

#include "latent/model/code_head.h"
#include "latent/model/model_file.h"
#include "latent/train/corruption.h"
#include "latent/train/data_parallel.h"

namespace latent {

std::unique_ptr<GradientEngine> AutoencoderNet::default_engine() {
  return make_gradient_engine(model_, ParallelOptions{});
}

torch::Tensor AutoencoderNet::validation_loss(const torch::Tensor& x, const torch::Tensor& labels) {
  (void)labels;
  return training_objective(model_, x);
}

int64_t AutoencoderNet::pull_neighbours() const {
  return model_->spec().neighbour_pull > 0 ? model_->spec().neighbours : 0;  // validate(): binary heads only
}

int AutoencoderNet::first_selectable_epoch(int epochs) const {
  return latent::first_selectable_epoch(model_->spec(), epochs);
}

void AutoencoderNet::write(torch::serialize::OutputArchive& archive, const Normalization& norm,
                           const nlohmann::json& meta) {
  write_model_fields(archive, model_, norm, meta);
}

}  // namespace latent
