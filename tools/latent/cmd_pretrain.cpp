// latent pretrain: greedy layer-wise pretraining of a stacked (denoising) autoencoder, unrolled
// into one deep autoencoder (an ordinary model file) and optionally fine-tuned end to end.
#include <fstream>

#include "commands.h"
#include "common.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/io/regularizer_spec.h"
#include "latent/train/stacked.h"
#include "latent/train/trainer.h"

namespace latent::cli {
namespace {

struct PretrainCommand {
  RuntimeOptions runtime;
  DataOptions data;
  double val_fraction = 0.1;
  std::string layers = "1000,500,250,30";
  std::string corrupt = "none", finetune_corrupt;
  ModelSpec spec;
  TrainOptions layer_options, finetune_options;
  double finetune_lr = 0;
  std::string out, log;
  bool overwrite = false;

  void run() {
    runtime.apply();
    check_outputs({{"--out", out, "model", !overwrite}, {"--log", log, ""}}, {data.input()});
    std::vector<int64_t> widths = parse_sizes("--layers", layers);
    if (widths.empty() || std::count(widths.begin(), widths.end(), 0) > 0)
      throw Error("--layers '" + layers + "': expected sizes >= 1, the last one the code, like 1000,500,250,30");
    CorruptionSpec layer_corrupt = CorruptionSpec::parse(corrupt);
    CorruptionSpec deep_corrupt = layer_corrupt;
    try {
      if (!finetune_corrupt.empty()) deep_corrupt = CorruptionSpec::parse(finetune_corrupt);
    } catch (const SettingError& e) {
      throw SettingError("finetune corrupt", e.problem);
    }
    layer_options.seed = finetune_options.seed = runtime.seed;
    layer_options.validate();
    const bool finetune = finetune_options.epochs > 0;
    finetune_options.batch = layer_options.batch;
    finetune_options.lr = finetune_lr > 0 ? finetune_lr : layer_options.lr;
    finetune_options.schedule = layer_options.schedule;
    if (finetune) finetune_options.validate();
    else if (finetune_options.epochs < 0) throw Error("--finetune-epochs must be >= 0");

    RawData raw = numbers_only(data.load(), "pretrain");
    Normalization norm = Normalization::fit(raw);
    spec.input_shape = raw.sample_shape;
    spec.latent = widths.back();
    spec.layers.assign(widths.begin(), widths.end() - 1);
    spec.set_type(ModelType::ae, norm.unit_range());
    spec.corrupt = deep_corrupt;
    spec.validate();
    auto [train_set, val_set] = split_validation(make_dataset(std::move(raw), norm), val_fraction);
    log_line("pretraining " + spec.shape_string() + " layer by layer (" + std::to_string(stack_depth(spec)) +
             " layers, " + std::to_string(layer_options.epochs) + " epochs each) on " +
             std::to_string(train_set.size()) + " samples");

    std::ofstream log_file;
    if (!log.empty()) {
      log_file.open(log, std::ios::trunc);
      if (!log_file) throw Error("--log " + log + ": cannot open for writing");
    }
    PretrainReport report;
    Autoencoder deep = pretrain_stack(
        spec, train_set, val_set, layer_options, layer_corrupt,
        [&](size_t k, const EpochStats& stats) {
          if (!log_file.is_open()) return;
          nlohmann::json line = stats.to_json();
          line["phase"] = "layer " + std::to_string(k + 1);
          log_file << line.dump() << std::endl;
        },
        &report);
    nlohmann::json layer_losses = nlohmann::json::array();
    for (const auto& history : report.layers) layer_losses.push_back(history.back().to_json());
    nlohmann::json meta = {
        {"data", data.data},
        {"limit", data.limit},
        {"val", val_fraction},
        {"pretrain",
         {{"layer_options", layer_options.to_json()}, {"corrupt", layer_corrupt.str()}, {"layers", layer_losses}}}};
    save_model(out, deep, norm, meta);
    log_line("saved the unrolled stack " + spec.shape_string() + " to " + out);
    if (!finetune) return;

    log_line("fine-tuning " + spec.shape_string() + " end to end for " + std::to_string(finetune_options.epochs) +
             " epochs");
    meta["train_options"] = finetune_options.to_json();
    Trainer trainer(deep, finetune_options);
    trainer.fit(train_set, val_set, [&](const EpochStats& stats, bool improved) {
      if (log_file.is_open()) {
        nlohmann::json line = stats.to_json();
        line["phase"] = "finetune";
        log_file << line.dump() << std::endl;
      }
      if (!improved) return;
      nlohmann::json saved = meta;
      saved["epoch"] = stats.epoch;
      saved["train_loss"] = stats.train_loss;
      if (!std::isnan(stats.val_loss)) saved["val_loss"] = stats.val_loss;
      save_model(out, trainer.model(), norm, saved);
    });
    log_line("saved the best fine-tuned model (epoch " + std::to_string(trainer.state().best_epoch) + ") to " + out);
  }
};

}  // namespace

void add_pretrain_command(CLI::App& app) {
  auto cmd = std::make_shared<PretrainCommand>();
  CLI::App* sub = app.add_subcommand("pretrain", "Greedy layer-wise pretraining of a stacked autoencoder");
  sub->footer(
      "--layers W1,...,WK,CODE: the encoder's widths after the input, the last one being the code; the decoder\n"
      "mirrors them. Layer k is a one-hidden-layer autoencoder W(k-1) -> Wk -> W(k-1) trained on the codes of\n"
      "layer k-1 (layer 1 on the data); with --corrupt its input is corrupted afresh every batch (a stacked\n"
      "denoising autoencoder). The layers are then unrolled into one deep autoencoder, written to --out: an\n"
      "ordinary model file for eval, encode, classify, knn, plot... With --finetune-epochs N it is then trained\n"
      "end to end and --out holds the best fine-tuned model.");
  cmd->data.add_to(sub, "train");
  sub->add_option("--val", cmd->val_fraction, "Fraction of the training data held out for validation")
      ->default_val(0.1);
  sub->add_option("--layers", cmd->layers, "Widths of the encoder's layers, the last one is the code")
      ->default_val("1000,500,250,30");
  add_activation_options(sub, cmd->spec);
  sub->add_option("--corrupt", cmd->corrupt,
                  "Each layer's input corruption: none | gaussian:STDDEV | masking:P | saltpepper:P")
      ->default_val("none");
  sub->add_option("--finetune-corrupt", cmd->finetune_corrupt,
                  "Input corruption while fine-tuning (default: the same as --corrupt)");
  sub->add_option("--epochs-per-layer", cmd->layer_options.epochs, "Epochs of each layer's autoencoder")
      ->default_val(10);
  sub->add_option("--finetune-epochs", cmd->finetune_options.epochs, "Epochs of end-to-end fine-tuning (0 = none)")
      ->default_val(0);
  sub->add_option("--batch", cmd->layer_options.batch, "Mini-batch size (layers and fine-tuning)")->default_val(128);
  sub->add_option("--lr", cmd->layer_options.lr, "Peak learning rate of each layer (Adam)")->default_val(3e-3);
  sub->add_option("--finetune-lr", cmd->finetune_lr, "Peak learning rate of fine-tuning (0 = the same as --lr)")
      ->default_val(0.0);
  add_part_option<LrSchedule>(sub, "--schedule", cmd->layer_options.schedule,
                              "constant | cosine | step, restarted for every layer and for fine-tuning")
      ->default_str("cosine");
  sub->add_option("--out", cmd->out,
                  "Model file to write (the unrolled deep autoencoder); an existing model is replaced only with "
                  "--overwrite")
      ->required();
  sub->add_flag("--overwrite", cmd->overwrite, "Replace an existing model at --out");
  sub->add_option("--log", cmd->log, "Write one JSON line per epoch (with its phase: layer K or finetune)");
  cmd->runtime.add_to(sub);
  sub->callback([cmd] { cmd->run(); });
}

}  // namespace latent::cli
