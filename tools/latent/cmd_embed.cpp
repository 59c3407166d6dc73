// latent embed: the codes of a data split together with their labels, one file, ready as features
// for another tool (label first, then the code).
#include "commands.h"
#include "common.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/io/matrix_file.h"
#include "latent/model/evaluate.h"

namespace latent::cli {

void add_embed_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string model, out;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("embed", "Write the codes of a data split with their labels, as features");
  sub->footer(
      "Each row is one sample: its label, then its code. codes.csv has a header (label, c0, c1, ...);\n"
      "codes.npy is float32 [N, 1 + latent] with the label in column 0. Unlabelled data: use latent encode.");
  sub->add_option("--model", opt->model, "Model file")->required();
  opt->data.add_to(sub, "test");
  sub->add_option("--out", opt->out, "codes.csv or codes.npy")->required();
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    check_output_extension(opt->out, {".npy", ".csv"});
    check_outputs({{"--out", opt->out, ""}}, {{"--model", opt->model}, opt->data.input()});
    opt->runtime.apply();
    LoadedModel model = load_model(opt->model);
    Dataset data = opt->data.load_for(model);
    if (!data.has_labels())
      throw Error("--data " + opt->data.data + " has no labels; latent encode writes codes alone");
    torch::Tensor codes = encode_all(model.model, data.x);
    if (opt->out.size() >= 4 && opt->out.compare(opt->out.size() - 4, 4, ".csv") == 0) {
      std::vector<int64_t> labels(data.y.data_ptr<int64_t>(), data.y.data_ptr<int64_t>() + data.y.numel());
      write_matrix(opt->out, Matrix{codes.size(0), codes.size(1), tensor_values(codes)}, labels);
    } else {
      torch::Tensor rows = torch::cat({data.y.to(torch::kFloat32).unsqueeze(1), codes}, 1);
      write_matrix(opt->out, Matrix{rows.size(0), rows.size(1), tensor_values(rows)});
    }
    log_line("wrote " + std::to_string(codes.size(0)) + " labelled " + std::to_string(codes.size(1)) +
             "-number codes to " + opt->out);
  });
}

}  // namespace latent::cli
