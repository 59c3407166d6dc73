// latent compress: a dataset as its quantised, entropy-coded codes (.ltc); --report measures it.
#include <cmath>

#include "commands.h"
#include "common.h"
#include "latent/apps/compress.h"
#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/io/image_grid.h"

namespace latent::cli {
namespace {

/// Bytes per item, ratios against raw storage and PNG, and quality after decompression.
nlohmann::json compression_report(LoadedModel& model, const Dataset& data, const CompressedCodes& codes,
                                  size_t file_bytes, const std::string& out) {
  const double n = static_cast<double>(data.size());
  const bool images = model.normalization.unit_range();
  // Raw: one byte per pixel for images (as in the IDX files), a float32 per value otherwise.
  const double raw_bytes = static_cast<double>(data.x.size(1)) * (images ? 1 : 4);
  torch::Tensor recon = decompress(model, codes, out);
  const double mse = (recon - data.x).pow(2).mean().item<double>();
  nlohmann::json report = {{"items", data.size()},
                           {"bits", codes.quantizer.bits},
                           {"code_size", codes.quantizer.dims()},
                           {"file_bytes", file_bytes},
                           {"bytes_per_item", file_bytes / n},
                           {"raw_bytes_per_item", raw_bytes},
                           {"ratio_vs_raw", raw_bytes * n / file_bytes},
                           {"mse_per_value", mse}};
  const auto& shape = data.sample_shape;
  if (images && shape.size() == 3 && (shape[0] == 1 || shape[0] == 3)) {
    const torch::Tensor unit = data.x.contiguous();
    double png_bytes = 0;
    for (int64_t i = 0; i < data.size(); ++i) {
      const float* row = unit.data_ptr<float>() + i * unit.size(1);
      const std::vector<unsigned char> bytes = interleaved_bytes(row, {shape[0], shape[1], shape[2]});
      png_bytes += static_cast<double>(
          encode_png(bytes, static_cast<int>(shape[2]), static_cast<int>(shape[1]), static_cast<int>(shape[0])).size());
    }
    report["png_bytes_per_item"] = png_bytes / n;
    report["ratio_vs_png"] = png_bytes / file_bytes;
  }
  if (images) report["psnr_db"] = 10.0 * std::log10(1.0 / mse);
  return report;
}

}  // namespace

void add_compress_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string model, out;
    int bits = 8;
    int64_t refine = 0;
    bool report = false, json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("compress", "Store a dataset as the model's quantised codes (.ltc)");
  sub->footer(
      "Each code dimension is quantised uniformly to --bits over its range in this data (ranges go in the header),\n"
      "then the levels are compressed with zstd. `latent decompress` needs the same model file.");
  sub->add_option("--model", opt->model, "Model file")->required();
  opt->data.add_to(sub, "test");
  sub->add_option("--out", opt->out, "FILE.ltc")->required();
  sub->add_option("--bits", opt->bits, "Bits per code value, 4..16")->default_val(8);
  sub->add_option("--refine", opt->refine,
                  "Refine each code STEPS steps before quantising (plain autoencoders; see latent encode --help)")
      ->default_val(0);
  sub->add_flag("--report", opt->report, "Print bytes per item, ratios against raw and PNG, PSNR after decompression");
  sub->add_flag("--json", opt->json, "With --report: print it as JSON");
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    check_output_extension(opt->out, {".ltc"});
    check_outputs({{"--out", opt->out, "compressed"}}, {{"--model", opt->model}, opt->data.input()});
    if (opt->bits < 4 || opt->bits > 16) throw Error("--bits must be 4..16");
    opt->runtime.apply();
    LoadedModel model = load_model(opt->model);
    Dataset data = opt->data.load_for(model);
    CompressedCodes codes = compress(model, data.x, data.sample_shape, opt->bits, opt->refine);
    std::string bytes = pack_compressed(codes);
    write_file_atomic(opt->out, bytes);
    if (opt->report) print_report(compression_report(model, data, codes, bytes.size(), opt->out), opt->json);
  });
}

}  // namespace latent::cli
