// latent reconstruct: originals above their reconstructions, as a PNG grid (or the raw values).
#include <optional>

#include "commands.h"
#include "common.h"
#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/io/matrix_file.h"
#include "latent/model/evaluate.h"

namespace latent::cli {

void add_reconstruct_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string model, out;
    int64_t count = 0, columns = 16;
    bool fill_blanks = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("reconstruct", "Show originals above their reconstructions");
  sub->add_option("--model", opt->model, "Model file")->required();
  opt->data.add_to(sub, "test");
  add_invert_option(sub, opt->data.invert);
  sub->add_option("--count", opt->count,
                  "Number of samples, the first ones of the split (0: 32 for a .png grid, every one for .npy and .csv)")
      ->default_val(0);
  sub->add_option("--columns", opt->columns, "Images per row in the grid")->default_val(16);
  sub->add_option("--out", opt->out,
                  "grid.png (originals above reconstructions) or recon.npy / recon.csv (a table's: its columns in the "
                  "training table's order, every cell the model's; see --fill-blanks)")
      ->required();
  sub->add_flag("--fill-blanks", opt->fill_blanks,
                "A table's .csv: the data's columns (the label apart) with every cell it gives as it is, and the "
                "model's values only in its empty cells (imputation); without it, the model's reconstruction of "
                "every cell of the columns it reads");
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    check_output_extension(opt->out, {".png", ".npy", ".csv"});
    check_outputs({{"--out", opt->out, ""}}, {{"--model", opt->model}, opt->data.input()});
    if (opt->count < 0 || opt->columns < 1) throw Error("--count must be >= 0 and --columns at least 1");
    opt->runtime.apply();
    LoadedModel model = load_model(opt->model);
    const bool table_csv =
        model.normalization.table && opt->out.size() > 4 && opt->out.substr(opt->out.size() - 4) == ".csv";
    if (opt->fill_blanks && !table_csv)
      throw Error("--fill-blanks fills a table's empty cells: it needs a model trained on a table and --out FILE.csv");
    const bool grid = !table_csv && !is_matrix_path(opt->out);
    const int64_t count = opt->count > 0 ? opt->count : grid ? 32 : 0;
    DataOptions limited = opt->data;
    limited.limit =
        opt->data.limit > 0 && count > 0 ? std::min(opt->data.limit, count) : std::max(opt->data.limit, count);
    RawData raw = limited.load_as(model);
    std::optional<RawData> given;
    if (opt->fill_blanks) given = raw;
    Dataset data = limited.prepare_for(std::move(raw), model);
    torch::Tensor recon = decode_all(model.model, encode_all(model.model, data.x));
    if (table_csv) {
      // A table's reconstructions as the table: numbers unscaled, each category's likeliest level.
      const TableSchema& table = *model.normalization.table;
      write_file_atomic(opt->out, given
                                      ? table.fill_csv(tensor_values(recon), *given)
                                      : table.csv_header() + "\n" + table.to_csv(tensor_values(recon), recon.size(0)));
      return;
    }
    if (is_matrix_path(opt->out)) {
      torch::Tensor flat = recon.contiguous();
      write_matrix(opt->out, Matrix{flat.size(0), flat.size(1), tensor_values(flat)});
      return;
    }
    // Row pairs: `columns` originals, then their reconstructions underneath.
    std::vector<torch::Tensor> rows;
    for (int64_t start = 0; start < data.size(); start += opt->columns) {
      int64_t end = std::min(start + opt->columns, data.size());
      torch::Tensor pad = torch::zeros({opt->columns - (end - start), data.x.size(1)});
      rows.push_back(torch::cat({data.x.slice(0, start, end), pad}));
      rows.push_back(torch::cat({recon.slice(0, start, end), pad}));
    }
    write_grid(opt->out, torch::cat(rows), model, opt->columns);
  });
}

}  // namespace latent::cli
