// latent decompress: an .ltc file back to data, through the model that compressed it.
#include "commands.h"
#include "common.h"
#include "latent/apps/compress.h"
#include "latent/io/matrix_file.h"

namespace latent::cli {

void add_decompress_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    std::string input, model, out;
    int64_t columns = 16;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("decompress", "Decode an .ltc file (from latent compress) back to data");
  sub->add_option("file", opt->input, "FILE.ltc")->required();
  sub->add_option("--model", opt->model, "The model file that compressed it (checked by fingerprint)")->required();
  sub->add_option("--out", opt->out, "out.npy / out.csv (raw data units) or grid.png")->required();
  sub->add_option("--columns", opt->columns, "Images per row in the grid")->default_val(16);
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    check_output_extension(opt->out, {".png", ".npy", ".csv"});
    check_outputs({{"--out", opt->out, ""}}, {{"FILE", opt->input}, {"--model", opt->model}});
    opt->runtime.apply();
    CompressedCodes codes = read_compressed(opt->input);
    LoadedModel model = load_model(opt->model);
    torch::Tensor recon = decompress(model, codes, opt->input);
    if (!is_matrix_path(opt->out)) return write_grid(opt->out, recon, model, opt->columns);
    std::vector<float> values = tensor_values(recon);
    model.normalization.invert(values, recon.size(1));
    write_matrix(opt->out, Matrix{recon.size(0), recon.size(1), std::move(values)});
  });
}

}  // namespace latent::cli
