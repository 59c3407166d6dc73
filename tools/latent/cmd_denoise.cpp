// latent denoise: corrupted images, the model's cleaned versions and the clean originals, as rows of a PNG grid.
#include "commands.h"
#include "common.h"
#include "latent/base/error.h"
#include "latent/model/evaluate.h"
#include "latent/train/corruption.h"

namespace latent::cli {

void add_denoise_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string model, corrupt, out;
    int64_t count = 16;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("denoise", "Show noisy / cleaned / clean images, one row each");
  sub->add_option("--model", opt->model, "Model file")->required();
  opt->data.add_to(sub, "test");
  add_invert_option(sub, opt->data.invert);
  sub->add_option("--corrupt", opt->corrupt,
                  "gaussian:STDDEV | masking:P | saltpepper:P (default: the corruption the model was trained with)");
  sub->add_option("--count", opt->count, "Images per row (the first ones of the split)")->default_val(16);
  sub->add_option("--out", opt->out, "grid.png")->required();
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    check_output_extension(opt->out, {".png"});
    check_outputs({{"--out", opt->out, ""}}, {{"--model", opt->model}, opt->data.input()});
    if (opt->count < 1) throw Error("--count must be at least 1");
    if (!opt->corrupt.empty()) CorruptionSpec::parse(opt->corrupt);  // refuse a bad value before loading anything
    opt->runtime.apply();
    LoadedModel model = load_model(opt->model);
    CorruptionSpec corruption =
        opt->corrupt.empty() ? model.model->spec().corrupt : CorruptionSpec::parse(opt->corrupt);
    if (!corruption.active())
      throw Error("--corrupt: the model was trained without corruption; name one, e.g. masking:0.5");
    DataOptions limited = opt->data;
    limited.limit = opt->data.limit > 0 ? std::min(opt->data.limit, opt->count) : opt->count;
    Dataset data = limited.load_for(model);
    torch::Tensor noisy = corrupt(data.x, corruption);
    torch::Tensor cleaned = decode_all(model.model, encode_all(model.model, noisy));
    write_grid(opt->out, torch::cat({noisy, cleaned, data.x}), model, data.size());
  });
}

}  // namespace latent::cli
