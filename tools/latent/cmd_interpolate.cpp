// latent interpolate: decode evenly spaced codes on the line between two inputs' codes.
#include "commands.h"
#include "common.h"
#include "latent/apps/generate.h"
#include "latent/base/error.h"

namespace latent::cli {

void add_interpolate_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string model, out, out_npy;
    int64_t from = 0, to = 1, steps = 10;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("interpolate", "Walk the code space between two samples");
  sub->footer("Codes are the encoder's (for a VAE, the posterior means); both ends are included.");
  sub->add_option("--model", opt->model, "Model file")->required();
  opt->data.add_to(sub, "test");
  sub->add_option("--from", opt->from, "Index of the first sample in --data/--split")->required();
  sub->add_option("--to", opt->to, "Index of the last sample")->required();
  sub->add_option("--steps", opt->steps, "Images in the walk, ends included")->default_val(10);
  sub->add_option("--out", opt->out, "walk.png (one row)")->required();
  sub->add_option("--out-npy", opt->out_npy, "Also write the raw pixels (0..255) as .npy, one image per row");
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    check_output_extension(opt->out, {".png"});
    if (!opt->out_npy.empty()) check_output_extension(opt->out_npy, {".npy"}, "--out-npy");
    check_outputs({{"--out", opt->out, ""}, {"--out-npy", opt->out_npy, ""}},
                  {{"--model", opt->model}, opt->data.input()});
    if (opt->steps < 2 || opt->steps > 10000) throw Error("--steps must be between 2 and 10000");
    opt->runtime.apply();
    LoadedModel model = load_model(opt->model);
    torch::Tensor a = load_sample(opt->data, opt->from, model);
    torch::Tensor b = load_sample(opt->data, opt->to, model);
    torch::Tensor walk = interpolate(model.model, a, b, opt->steps);
    write_grid(opt->out, walk, model, opt->steps);
    if (!opt->out_npy.empty()) write_raw_matrix(opt->out_npy, walk, model);
  });
}

}  // namespace latent::cli
