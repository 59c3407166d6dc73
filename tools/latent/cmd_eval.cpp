// latent eval: reconstruction metrics of a model on a data split.
#include "commands.h"
#include "common.h"
#include "latent/evaluate.h"

namespace latent::cli {

void add_eval_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string model;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("eval", "Reconstruction metrics of a model on a data split");
  sub->footer(
      "Metrics (pixels in [0,1] for images; normalised units for CSV data):\n"
      "  n              samples evaluated\n"
      "  bce_per_pixel  binary cross-entropy per pixel (images only)\n"
      "  mse_per_pixel  mean squared error per pixel\n"
      "  sse_per_image  squared error summed over pixels, averaged over images (Hinton & Salakhutdinov 2006)\n"
      "  psnr_db        10*log10(1/mse_per_pixel) (images only)");
  sub->add_option("--model", opt->model, "Model file")->required();
  opt->data.add_to(sub, "test");
  sub->add_flag("--json", opt->json, "Print one JSON object");
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    opt->runtime.apply();
    LoadedModel model = load_model(opt->model);
    Dataset data = opt->data.load_for(model);
    print_report(evaluate_reconstruction(model.model, data), opt->json);
  });
}

}  // namespace latent::cli
