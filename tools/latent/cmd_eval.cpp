// latent eval: reconstruction metrics of a model on a data split.
#include "commands.h"
#include "common.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/eval/code_features.h"
#include "latent/eval/code_metrics.h"
#include "latent/eval/variational_eval.h"
#include "latent/model/evaluate.h"

namespace latent::cli {
namespace {

/// PCA with the code's size, fitted on the data the model was trained on, scored on `data`.
nlohmann::json pca_metrics(const LoadedModel& model, const Dataset& data) {
  if (!model.meta.contains("data")) throw Error("--pca: the model does not record its training data");
  if (model.normalization.table) throw Error("--pca: the model reads a table of words and numbers; PCA reads numbers");
  DataOptions training;
  training.data = model.meta.at("data").get<std::string>();
  training.split = model.meta.value("split", "train");
  training.limit = model.meta.value("limit", int64_t{0});
  training.only_class = model.meta.value("normal_class", int64_t{-1});
  log_line("--pca: fitting " + std::to_string(model.model->spec().latent) + " components on --data " + training.data);
  const Pca pca = fit_pca(training.load_for(model).x, model.model->spec().latent);
  const torch::Tensor x = data.inputs();
  const torch::Tensor error = (pca.reconstruct(x) - x).pow(2);
  const double sse = error.sum().item<double>(), pixels = static_cast<double>(error.numel());
  nlohmann::json metrics = {{"pca_mse_per_pixel", sse / pixels}};
  if (model.normalization.unit_range()) metrics["pca_psnr_db"] = 10.0 * std::log10(pixels / sse);
  return metrics;
}

}  // namespace

void add_eval_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string model, corrupt;
    bool json = false, pca = false;
    int64_t iw_samples = 0, refine = 0;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("eval", "Reconstruction metrics of a model on a data split");
  sub->footer(
      "Metrics (pixels in [0,1] for images; normalised units for CSV data):\n"
      "  n              samples evaluated\n"
      "  bce_per_pixel  binary cross-entropy per pixel (images only)\n"
      "  mse_per_pixel  mean squared error per pixel\n"
      "  sse_per_image  squared error summed over pixels, averaged over images (Hinton & Salakhutdinov 2006)\n"
      "  psnr_db        10*log10(1/mse_per_pixel) (images only)\n"
      "  error_per_row  a table's error (squared error per number, cross-entropy per column of words;\n"
      "                 missing cells count nothing) summed over its columns, averaged over rows\n"
      "  error_per_cell the same over the number of columns (these two replace mse, sse and psnr for tables)\n"
      "  code_mean_abs  mean |code value|\n"
      "  code_active_fraction  fraction of code units with |value| > 0.01, averaged over samples\n"
      "  jacobian_fro   ||d code / d input||_F (not squared), exact, averaged over the first\n"
      "                 jacobian_n samples (1000; 64 for a conv model: one backward pass per code unit)\n"
      "With --corrupt (images only; PSNR per image, peak 1, averaged over images):\n"
      "  psnr_noisy_db     corrupted input against the clean one\n"
      "  psnr_denoised_db  reconstruction of the corrupted input against the clean one\n"
      "A variational autoencoder (--type vae) adds, in nats per sample (z drawn with --seed):\n"
      "  elbo           evidence lower bound E_q[log p(x|z)] - KL(q(z|x)||N(0,I)), one z per sample;\n"
      "                 -elbo is the training loss (pytorch/examples' \"test loss\")\n"
      "  loss_z_mean    the same loss with z = mu (no sampling)\n"
      "  nll_is         with --iw-samples K: -log p(x) estimated with K importance samples from q (Burda et\n"
      "                 al. 2015), a tighter bound than -elbo that approaches the true value as K grows. It\n"
      "                 decodes K codes per image, so its time grows with K: on 2 cores and the 10,000 MNIST\n"
      "                 test images of a 784-400-20 model, K=1000 took 7 min 48 s (the IWAE papers use\n"
      "                 K=5000); progress with an ETA is shown\n"
      "A binary code model (--type binary) adds:\n"
      "  bit_balance       mean of each bit over the samples, codes thresholded at 0.5 (ideal: 0.5 each)\n"
      "  bit_balance_worst largest |bit mean - 0.5|\n"
      "  saturation        fraction of code activations (sigmoid outputs) within 0.1 of 0 or 1\n"
      "A model trained with --binarize dynamic is evaluated on one fixed binary draw of the split (seed 0).\n"
      "--pca adds the same error for PCA with as many components as the code, fitted on the model's\n"
      "training data (read as the model read it): pca_mse_per_pixel, pca_psnr_db (images).\n"
      "--refine STEPS measures the reconstruction metrics from codes refined so many steps (Adam on\n"
      "each code, the weights fixed, from the encoder's code; see latent encode --help) and adds\n"
      "refine_steps; the code metrics stay the encoder's.");
  sub->add_option("--model", opt->model, "Model file")->required();
  opt->data.add_to(sub, "test");
  sub->add_option("--corrupt", opt->corrupt, "Also measure denoising: gaussian:STDDEV | masking:P | saltpepper:P");
  sub->add_flag("--json", opt->json, "Print one JSON object");
  sub->add_flag("--pca", opt->pca, "Also reconstruct with PCA of the code's size fitted on the training data");
  sub->add_option("--refine", opt->refine,
                  "Reconstruct from codes refined STEPS steps (plain autoencoders; 0 = the encoder's)")
      ->default_val(0);
  sub->add_option("--iw-samples", opt->iw_samples, "VAE: importance samples per image for nll_is (0 = skip it)")
      ->default_val(0);
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    if (opt->iw_samples < 0) throw Error("--iw-samples must be >= 0 (0 skips nll_is)");
    CorruptionSpec corruption = CorruptionSpec::parse(opt->corrupt);
    opt->runtime.apply();
    LoadedModel model = load_model(opt->model);
    Dataset data = opt->data.open_for(model);
    if (model.model->spec().binarize == Binarize::dynamic) data = binarized(data);
    nlohmann::json report = evaluate_reconstruction(model.model, data, opt->refine);
    report.update(code_metrics(model.model, data));
    if (corruption.active()) report.update(denoising_metrics(model.model, data, corruption));
    if (model.model->spec().code_head == CodeHead::binary) report.update(binary_code_metrics(model.model, data));
    if (model.model->spec().code_head == CodeHead::gaussian)
      report.update(evaluate_variational(model.model, data, opt->iw_samples));
    if (opt->pca) report.update(pca_metrics(model, data));
    print_report(report, opt->json);
  });
}

}  // namespace latent::cli
