// latent decode: codes back to data space.
#include "commands.h"
#include "common.h"
#include "latent/base/error.h"
#include "latent/io/matrix_file.h"
#include "latent/model/evaluate.h"

namespace latent::cli {

void add_decode_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    std::string model, codes, out;
    int64_t columns = 16;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("decode", "Decode codes (from latent encode) back to data");
  sub->add_option("--model", opt->model, "Model file")->required();
  sub->add_option("--codes", opt->codes, "codes.npy or codes.csv, one code per row")->required();
  sub->add_option("--out", opt->out, "recon.npy / recon.csv (raw data units) or grid.png")->required();
  sub->add_option("--columns", opt->columns, "Images per row in the grid")->default_val(16);
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    check_output_extension(opt->out, {".png", ".npy", ".csv"});
    check_outputs({{"--out", opt->out, ""}}, {{"--model", opt->model}, {"--codes", opt->codes}});
    opt->runtime.apply();
    LoadedModel model = load_model(opt->model);
    Matrix codes = read_matrix(opt->codes);
    if (codes.cols != model.model->spec().latent)
      throw Error(opt->codes + ": codes have " + std::to_string(codes.cols) + " columns, the model's code has " +
                  std::to_string(model.model->spec().latent));
    for (float v : codes.values)
      if (!std::isfinite(v)) throw Error(opt->codes + ": codes contain NaN or infinite values");
    torch::Tensor code_tensor = torch::from_blob(codes.values.data(), {codes.rows, codes.cols}).clone();
    torch::Tensor recon = decode_all(model.model, code_tensor);
    if (!is_matrix_path(opt->out)) return write_grid(opt->out, recon, model, opt->columns);
    write_raw_matrix(opt->out, recon, model);
  });
}

}  // namespace latent::cli
