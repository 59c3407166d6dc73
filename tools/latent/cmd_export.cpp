// latent export: a model for PyTorch (python/latent_torch.py loads it as a torch.nn.Module) or numpy.
#include "commands.h"
#include "common.h"
#include "latent/model/model_export.h"

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
                  "with the same encode, decode and forward. npz: numpy arrays (np.load, no pickle): the JSON "
                  "text \"model\" lists the steps and names each weight array")
      ->check(CLI::IsMember({"torch", "npz"}))
      ->default_val("torch");
  sub->add_option("--out", opt->out, "m.pt (torch) or m.npz (npz)")->required();
  sub->footer(
      "The model's inputs are normalised values, as latent's own model reads them: scale raw pixels (or\n"
      "standardise numbers) as the saved normalisation says first (latent_torch's prepare(raw) does).\n"
      "Table models with columns of words are not exported yet.");
  sub->callback([opt] {
    const bool npz = opt->format == "npz";
    if (npz) check_output_extension(opt->out, {".npz"});
    check_outputs({{"--out", opt->out, ""}}, {{"--model", opt->model}});
    const LoadedModel model = load_model(opt->model);
    npz ? export_npz(model, opt->out) : export_torch(model, opt->out);
  });
}

}  // namespace latent::cli
