// latent plot: pictures of the code space. A 2-D scatter of the codes coloured by label (the code
// itself when it has two dimensions, else its first two principal components), or with
// --manifold the decoded images on a grid over a 2-D code space.
#include <filesystem>

#include "commands.h"
#include "common.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/eval/code_features.h"
#include "latent/io/scatter_plot.h"
#include "latent/model/evaluate.h"

namespace latent::cli {
namespace {

struct PlotCommand {
  RuntimeOptions runtime;
  DataOptions data;
  std::string model_path, out;
  bool manifold = false;
  int64_t grid = 20;
  double coverage = 0.9;

  void run() {
    if (manifold) check_output_extension(out, {".png"});
    else check_output_extension(out, {".png", ".svg"});
    check_outputs({{"--out", out, ""}}, {{"--model", model_path}, data.input()});
    runtime.apply();
    LoadedModel model = load_model(model_path);
    Dataset set = data.load_for(model);
    torch::Tensor codes = encode_all(model.model, set.x);
    if (manifold) return draw_manifold(model, codes);
    ScatterPlot plot;
    torch::Tensor xy = codes;
    plot.x_label = "code 1", plot.y_label = "code 2";
    if (codes.size(1) != 2) {
      if (codes.size(1) < 2) throw Error("the model's code has 1 dimension; a scatter plot needs at least 2");
      xy = fit_pca(codes, 2).transform(codes);
      plot.x_label = "principal component 1", plot.y_label = "principal component 2";
    }
    plot.xy = tensor_values(xy.contiguous());
    if (set.has_labels()) plot.labels.assign(set.y.data_ptr<int64_t>(), set.y.data_ptr<int64_t>() + set.size());
    else plot.labels.assign(static_cast<size_t>(set.size()), -1);
    plot.title = std::filesystem::path(model_path).filename().string() + ": " + std::to_string(set.size()) +
                 " codes of " + data.data + " (" + data.split + ")";
    write_scatter_plot(out, plot);
    log_line("wrote " + std::to_string(set.size()) + " points to " + out);
  }

  void draw_manifold(LoadedModel& model, const torch::Tensor& codes) {
    if (codes.size(1) != 2)
      throw Error("--manifold needs a model with a 2-dimensional code; this one has " + std::to_string(codes.size(1)));
    if (grid < 2 || grid > 100) throw Error("--grid must be between 2 and 100");
    if (!(coverage > 0 && coverage < 1)) throw Error("--coverage must be in (0, 1)");
    // The grid spans the central `coverage` of the data's codes in each dimension, so it stays
    // where the decoder has seen codes.
    const double tail = (1 - coverage) / 2;
    torch::Tensor q = torch::tensor({tail, 1 - tail}, torch::kFloat32);
    torch::Tensor lo_hi0 = torch::quantile(codes.select(1, 0), q), lo_hi1 = torch::quantile(codes.select(1, 1), q);
    torch::Tensor xs = torch::linspace(lo_hi0[0].item<float>(), lo_hi0[1].item<float>(), grid);
    torch::Tensor ys = torch::linspace(lo_hi1[1].item<float>(), lo_hi1[0].item<float>(), grid);  // top row: high y
    auto mesh = torch::meshgrid({ys, xs}, "ij");
    torch::Tensor grid_codes = torch::stack({mesh[1].reshape(-1), mesh[0].reshape(-1)}, 1);
    write_grid(out, decode_all(model.model, grid_codes), model, grid);
    log_line("wrote a " + std::to_string(grid) + "x" + std::to_string(grid) + " grid of decoded codes to " + out);
  }
};

}  // namespace

void add_plot_command(CLI::App& app) {
  auto cmd = std::make_shared<PlotCommand>();
  CLI::App* sub = app.add_subcommand("plot", "Pictures of the code space: a labelled scatter plot or a decoded grid");
  sub->footer(
      "Scatter (default): one point per sample, coloured by label, with a legend. A 2-D code is drawn as it is;\n"
      "a wider code is projected on its first two principal components. PNG or SVG by the --out extension.\n"
      "--manifold: a --grid x --grid PNG of images decoded from codes on an even grid over a 2-D code space,\n"
      "spanning the central --coverage of the codes of --data in each dimension (top row: high code 2).");
  sub->add_option("--model", cmd->model_path, "Model file")->required();
  cmd->data.add_to(sub, "test");
  sub->add_option("--out", cmd->out, "map.png | map.svg (scatter) or grid.png (--manifold)")->required();
  sub->add_flag("--manifold", cmd->manifold, "Decode a grid over the 2-D code space instead of a scatter plot");
  sub->add_option("--grid", cmd->grid, "--manifold: images per row and column")->default_val(20);
  sub->add_option("--coverage", cmd->coverage, "--manifold: central fraction of the codes the grid spans")
      ->default_val(0.9);
  cmd->runtime.add_to(sub);
  sub->callback([cmd] { cmd->run(); });
}

}  // namespace latent::cli
