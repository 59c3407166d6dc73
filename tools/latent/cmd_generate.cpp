// latent generate: new samples from a variational autoencoder's prior, or variations of one input.
#include "commands.h"
#include "common.h"
#include "latent/apps/generate.h"
#include "latent/base/error.h"
#include "latent/io/data_source.h"
#include "latent/io/matrix_file.h"

namespace latent::cli {

void add_generate_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string model, out, out_npy, image;
    int64_t count = 64, columns = 8, index = -1;
    double spread = 1.0;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("generate", "Sample new data from a variational autoencoder (--type vae)");
  sub->footer(
      "Without --variations-of or --index: --count draws z ~ N(0, I) from the prior, decoded.\n"
      "With one of them: --count draws z = mu + spread*sigma*eps around that input's posterior q(z|x);\n"
      "--spread 0 gives its reconstruction, 1 the model's own uncertainty. The same --seed gives the same images.");
  sub->add_option("--model", opt->model, "Model file (trained with --type vae)")->required();
  sub->add_option("--count", opt->count, "Number of samples")->default_val(64);
  sub->add_option("--out", opt->out, "samples.png (a grid) or samples.npy / samples.csv (raw data units)")->required();
  sub->add_option("--out-npy", opt->out_npy, "Also write the samples' raw pixels (0..255) as .npy, one per row");
  sub->add_option("--columns", opt->columns, "Images per row in the grid")->default_val(8);
  auto* image = sub->add_option("--variations-of", opt->image, "Variations of this PNG/JPEG image");
  opt->data.add_to(sub, "test");
  add_invert_option(sub, opt->data.invert);
  auto* index = sub->add_option("--index", opt->index, "Variations of sample I of --data/--split");
  image->excludes(index);
  sub->add_option("--spread", opt->spread, "Variations: scale of the posterior's standard deviation")->default_val(1.0);
  opt->runtime.add_to(sub);
  sub->callback([opt, image, index] {
    check_output_extension(opt->out, {".png", ".npy", ".csv"});
    if (!opt->out_npy.empty()) check_output_extension(opt->out_npy, {".npy"}, "--out-npy");
    check_outputs({{"--out", opt->out, ""}, {"--out-npy", opt->out_npy, ""}},
                  {{"--model", opt->model}, {"--variations-of", opt->image}, opt->data.input()});
    if (opt->count < 1 || opt->count > 100000) throw Error("--count must be between 1 and 100000");
    if (opt->columns < 1) throw Error("--columns must be at least 1");
    opt->runtime.apply();
    LoadedModel model = load_model(opt->model);
    torch::Tensor samples;
    if (image->count() == 0 && index->count() == 0) {
      samples = sample_prior(model.model, opt->count, opt->runtime.seed);
    } else {
      torch::Tensor x;
      if (index->count() > 0) {
        x = load_sample(opt->data, opt->index, model);
      } else {
        x = load_image_query(opt->image, model, opt->data.invert);
      }
      samples = sample_variations(model.model, x, opt->count, opt->spread, opt->runtime.seed);
    }
    if (is_matrix_path(opt->out)) write_raw_matrix(opt->out, samples, model);
    else write_grid(opt->out, samples, model, opt->columns);
    if (!opt->out_npy.empty()) write_raw_matrix(opt->out_npy, samples, model);
  });
}

}  // namespace latent::cli
