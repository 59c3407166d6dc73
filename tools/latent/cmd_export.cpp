// latent export: a model for PyTorch (python/latent_torch.py loads it as a torch.nn.Module).
#include "commands.h"
#include "common.h"
#include "latent/model/torch_export.h"

namespace latent::cli {

void add_export_command(CLI::App& app) {
  struct Options {
    std::string model, format = "torch", out;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("export", "Write a model in a form another system loads");
  sub->add_option("--model", opt->model, "Model file")->required();
  sub->add_option("--format", opt->format,
                  "torch: a file torch.load reads; python/latent_torch.py's load(path) makes it a torch.nn.Module "
                  "with the same encode, decode and forward")
      ->check(CLI::IsMember({"torch"}))
      ->default_val("torch");
  sub->add_option("--out", opt->out, "m.pt")->required();
  sub->footer(
      "The module's inputs are normalised values, as latent's own model reads them: prepare(raw) scales\n"
      "raw pixels (or standardises numbers) first. Table models with columns of words are not exported yet.");
  sub->callback([opt] {
    check_outputs({{"--out", opt->out, ""}}, {{"--model", opt->model}});
    export_torch(load_model(opt->model), opt->out);
  });
}

}  // namespace latent::cli
