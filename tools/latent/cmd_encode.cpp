// latent encode: the codes of a data split, as .npy or .csv (with labels).
#include "commands.h"
#include "common.h"
#include "latent/io/matrix_file.h"
#include "latent/model/evaluate.h"

namespace latent::cli {

void add_encode_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string model, out;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("encode", "Write the codes of a data split");
  sub->add_option("--model", opt->model, "Model file")->required();
  opt->data.add_to(sub, "test");
  add_invert_option(sub, opt->data.invert);
  sub->add_option("--out", opt->out, "codes.npy (float32 [N, latent]) or codes.csv (label column first when labelled)")
      ->required();
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    check_output_extension(opt->out, {".npy", ".csv"});
    check_outputs({{"--out", opt->out, ""}}, {{"--model", opt->model}, opt->data.input()});
    opt->runtime.apply();
    LoadedModel model = load_model(opt->model);
    Dataset data = opt->data.open_for(model);
    torch::Tensor codes = encode_all(model.model, data).contiguous();
    std::vector<int64_t> labels;
    if (data.has_labels()) labels.assign(data.y.data_ptr<int64_t>(), data.y.data_ptr<int64_t>() + data.y.numel());
    write_matrix(opt->out, Matrix{codes.size(0), codes.size(1), tensor_values(codes)}, labels);
  });
}

}  // namespace latent::cli
