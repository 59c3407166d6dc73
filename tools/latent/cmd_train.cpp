// latent train: fit an autoencoder; the best model so far is always on disk at --out.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "common.h"
#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/io/regularizer_spec.h"
#include "latent/model/evaluate.h"
#include "latent/train/trainer.h"
#include "parallel_cli.h"

namespace latent::cli {
namespace {

struct TrainCommand {
  RuntimeOptions runtime;
  DataOptions data;
  double val_fraction = 0.1;
  std::string layers;
  std::string channels = "32,64", corrupt = "none", sparsity = "none";
  ModelSpec spec;
  TrainOptions options;
  std::string out, checkpoint, resume, log, init;
  ModelType type = ModelType::ae;
  std::optional<Loss> loss;  ///< default: the one that goes with the data
  ParallelCli parallel;
  std::string noise_schedule = "linear:0:4";
  int64_t bits = 0;

  void run(bool epochs_given) {
    if (parallel.launch()) return;
    parallel.apply();
    runtime.apply();
    std::string parent = std::filesystem::path(out).parent_path().string();
    if (!parent.empty() && !std::filesystem::is_directory(parent))
      throw Error("--out " + out + ": no directory " + parent);
    if (checkpoint.empty()) checkpoint = out + ".ckpt";

    Normalization norm;
    nlohmann::json meta;
    std::unique_ptr<Trainer> trainer;
    if (!resume.empty()) {
      trainer = std::make_unique<Trainer>(Trainer::resume(resume, norm, meta));
      if (epochs_given) trainer->mutable_options().epochs = options.epochs;
      data.data = meta.at("data");
      data.limit = meta.at("limit");
      val_fraction = meta.at("val");
      trainer->set_checkpoint(checkpoint, norm, meta);
      log_line("resuming " + resume + " after epoch " + std::to_string(trainer->state().epochs_done));
    }
    RawData raw = data.load();
    if (!trainer) {
      norm = Normalization::fit(raw);
      spec.input_shape = raw.sample_shape;
      spec.layers = parse_sizes("--layers", layers);
      if (spec.arch == Arch::conv) spec.channels = parse_sizes("--channels", channels);
      spec.corrupt = CorruptionSpec::parse(corrupt);
      spec.sparsity = SparsitySpec::parse(sparsity);
      spec.set_type(type, norm.unit_range(), loss);
      if (bits != 0 && type != ModelType::binary)
        throw Error("--bits needs --type binary (use --latent for float codes)");
      if (type == ModelType::binary) {
        if (bits != 0) spec.latent = bits;
        parse_noise_schedule(noise_schedule, options.epochs, spec);
      }
      options.seed = runtime.seed;
      options.validate();
      // Trainer::fit refuses this too; checked here so that --nproc fails once, before any rank starts.
      if (spec.neighbour_pull > 0 && (parallel.options.replicas > 1 || parallel.options.processes.world_size > 1))
        throw Error("--neighbour-pull trains in one process on one replica: drop --replicas, --nproc and --world-size");
      torch::manual_seed(runtime.seed);  // the initial weights
      Autoencoder model(spec);
      if (!init.empty()) {
        LoadedModel from = load_model(init);
        if (from.model->spec().input_size() != spec.input_size())
          throw Error("--init " + init + ": its input has " + std::to_string(from.model->spec().input_size()) +
                      " values, the data " + std::to_string(spec.input_size()));
        const int64_t copied = copy_matching_parameters(from.model, model);
        if (copied == 0) throw Error("--init " + init + ": no layer has the name and shape of this model's");
        log_line("--init: " + std::to_string(copied) + " of " + std::to_string(model->parameters().size()) +
                 " weight tensors from " + init);
      }
      meta = {{"data", data.data}, {"limit", data.limit}, {"val", val_fraction}, {"train_options", options.to_json()}};
      if (!init.empty()) meta["init"] = init;
      trainer = std::make_unique<Trainer>(model, options);
      trainer->set_checkpoint(checkpoint, norm, meta);
    } else if (raw.features() != trainer->model()->spec().input_size()) {
      throw Error("--data no longer matches the checkpoint's model");
    }
    auto [train_set, val_set] = split_validation(make_dataset(std::move(raw), norm), val_fraction);
    log_line("training " + trainer->model()->spec().shape_string() + " (" +
             std::to_string(trainer->model()->parameter_count()) + " parameters) on " +
             std::to_string(train_set.size()) + " samples, validating on " +
             std::to_string(val_set.x.defined() ? val_set.size() : 0));

    const bool writer = parallel.attach(*trainer);
    if (!writer) trainer->set_checkpoint("", norm, meta);  // rank 0 writes every file

    std::ofstream log_file;
    if (!log.empty() && writer) {
      // A run killed between its log line and its checkpoint leaves the log an epoch ahead (or
      // ending in a torn line): on resume the log restarts from the epochs the checkpoint holds.
      if (!resume.empty()) {
        std::string lines;
        for (const EpochStats& stats : trainer->state().history) lines += stats.to_json().dump() + "\n";
        write_file_atomic(log, lines);
      }
      log_file.open(log, resume.empty() ? std::ios::trunc : std::ios::app);
      if (!log_file) throw Error("--log " + log + ": cannot open for writing");
    }
    trainer->fit(train_set, val_set, [&](const EpochStats& stats, bool improved) {
      if (log_file.is_open()) log_file << stats.to_json().dump() << std::endl;
      if (!improved || !writer) return;
      nlohmann::json saved_meta = meta;
      saved_meta["epoch"] = stats.epoch;
      saved_meta["train_loss"] = stats.train_loss;
      if (!std::isnan(stats.val_loss)) saved_meta["val_loss"] = stats.val_loss;
      save_model(out, trainer->model(), norm, saved_meta);
    });
    const TrainState& state = trainer->state();
    log_line("saved the best model (epoch " + std::to_string(state.best_epoch) + ", " +
             (val_set.x.defined() ? "validation" : "training") + " loss " + std::to_string(state.best_loss) + ") to " +
             out);
  }
};

}  // namespace

void add_train_command(CLI::App& app) {
  auto cmd = std::make_shared<TrainCommand>();
  CLI::App* sub = app.add_subcommand("train", "Train an autoencoder; writes the best model to --out");
  sub->footer(
      "The model: input -> --layers (hidden sizes, mirrored in the decoder) -> --latent code -> output.\n"
      "With --layers empty it is the simple three-layer autoencoder (input, code, output).\n"
      "Images are scaled to [0,1] (sigmoid output, BCE loss); CSV columns are standardised (linear output, MSE).\n"
      "Every epoch: --out holds the best model so far (lowest validation loss), --checkpoint the latest state;\n"
      "a killed run continues with --resume CHECKPOINT.\n"
      "--type vae: a variational autoencoder. The encoder outputs the mean and log-variance of q(z|x), z is\n"
      "sampled (reparameterised), and the loss is the negative ELBO: reconstruction (Bernoulli for images,\n"
      "unit Gaussian for standardised data) + beta * KL(q(z|x) || N(0,I)), summed over pixels and latent\n"
      "units and averaged over images, in nats (the pytorch/examples convention). Then: latent generate.\n"
      "--type binary: semantic hashing (Salakhutdinov & Hinton). Noise N(0, s^2) is added before the code\n"
      "sigmoid, s following --noise-schedule, so the code units saturate to 0 or 1; validation decodes the\n"
      "thresholded bits. Then: latent index build (a Hamming hash table), latent search --hamming-radius R.");
  cmd->data.add_to(sub, "train");
  sub->add_option("--val", cmd->val_fraction, "Fraction of the training data held out for validation")
      ->default_val(0.1);
  sub->add_option("--layers", cmd->layers, "Hidden layer sizes, e.g. 1000,500,250 (empty: input -> code -> output)")
      ->default_val("");
  sub->add_option("--latent", cmd->spec.latent, "Code size")->default_val(32);
  add_activation_options(sub, cmd->spec);
  add_part_option<Loss>(sub, "--loss", cmd->loss, "bce | mse (default: bce for images, mse for standardised data)");
  add_part_option<Arch>(sub, "--arch", cmd->spec.arch,
                        "dense | conv (images: stride-2 3x3 convolutions of --channels before --layers, transposed "
                        "after)")
      ->default_str("dense");
  sub->add_option("--channels", cmd->channels, "--arch conv: channels of each convolution, e.g. 32,64")
      ->default_val("32,64");
  sub->add_option("--corrupt", cmd->corrupt,
                  "Denoising: corrupt each batch afresh, reconstruct the clean input. none | gaussian:STDDEV | "
                  "masking:P (zero each value with probability P) | saltpepper:P (set to 0 or 1 with probability P)")
      ->default_val("none");
  sub->add_option("--sparsity", cmd->sparsity,
                  "Sparse code: none | l1:WEIGHT (WEIGHT x mean |code|) | kl:RHO,WEIGHT (WEIGHT x mean over units of "
                  "KL(RHO || unit's mean activation over the batch); needs --code-activation sigmoid)")
      ->default_val("none");
  sub->add_option("--contractive", cmd->spec.contractive,
                  "Contractive: add WEIGHT x ||d code/d input||_F^2 (mean over the batch). Exact closed form for a "
                  "one-layer dense encoder (no --layers); deeper or conv encoders use an unbiased one-probe "
                  "estimate (E|v^T J|^2, v random +-1; one extra backward pass)")
      ->default_val(0.0);
  add_part_option<ModelType>(
      sub, "--type", cmd->type,
      "ae | vae (variational: Gaussian code, sampled) | binary (semantic hashing: a sigmoid code of "
      "--bits bits, trained with rising noise so it saturates to 0/1; thresholded at 0.5 at use)")
      ->default_str("ae");
  sub->add_option("--beta", cmd->spec.beta, "vae: weight of the KL term")->default_val(1.0);
  sub->add_option("--kl-warmup", cmd->spec.kl_warmup,
                  "vae: ramp the KL weight linearly from 0 to beta over the first EPOCHS epochs")
      ->default_val(0);
  sub->add_option("--bits", cmd->bits, "binary: code bits, a multiple of 8 in 8..256 (same as --latent)");
  sub->add_option("--noise-schedule", cmd->noise_schedule,
                  "binary: std of the Gaussian noise added before the code sigmoid while training, "
                  "linear:START:END rising linearly from START (epoch 1) to END (last epoch), or "
                  "linear:START:END:EPOCHS reaching END at epoch EPOCHS and staying there")
      ->default_val("linear:0:4");
  sub->add_option("--bit-balance", cmd->spec.bit_balance,
                  "binary: weight of sum over bits of (batch mean of the bit - 1/2)^2, which keeps every bit on for "
                  "half the images")
      ->default_val(0.0);
  sub->add_option("--bit-decorrelation", cmd->spec.bit_decorrelation,
                  "binary: weight of the mean squared correlation between pairs of bits over the batch")
      ->default_val(0.0);
  sub->add_option("--neighbour-pull", cmd->spec.neighbour_pull,
                  "binary: weight of the mean squared difference between an image's code (the noisy sigmoid) "
                  "and the code of one of its --neighbours nearest training images in pixel space; each batch is "
                  "then half images, half a neighbour of each (found once, exactly, before training)")
      ->default_val(0.0);
  sub->add_option("--neighbours", cmd->spec.neighbours,
                  "binary: nearest training images per image for --neighbour-pull")
      ->default_val(5);
  auto* epochs =
      sub->add_option("--epochs", cmd->options.epochs, "Epochs (with --resume: the new total)")->default_val(20);
  sub->add_option("--batch", cmd->options.batch, "Mini-batch size")->default_val(128);
  sub->add_option("--lr", cmd->options.lr, "Peak learning rate")->default_val(3e-3);
  sub->add_option("--optimizer", cmd->options.optimizer, "adam | sgd (with --momentum)")->default_val("adam");
  sub->add_option("--momentum", cmd->options.momentum, "SGD momentum")->default_val(0.9);
  sub->add_option("--weight-decay", cmd->options.weight_decay, "L2 weight decay")->default_val(0.0);
  sub->add_option("--schedule", cmd->options.schedule,
                  "constant | cosine (decays to 0 over the run) | step (x0.1 at 50% and 75% of the epochs)")
      ->default_val("cosine");
  sub->add_option("--patience", cmd->options.patience, "Stop after N epochs without a better validation loss (0 = off)")
      ->default_val(0);
  sub->add_option("--out", cmd->out, "Model file to write")->required();
  sub->add_option("--checkpoint", cmd->checkpoint, "Checkpoint written after every epoch (default: OUT.ckpt)");
  sub->add_option("--init", cmd->init,
                  "Start from this model file's weights wherever a layer has the same name and shape (e.g. a "
                  "trained float autoencoder's layers for a --type binary model of the same widths)");
  sub->add_option("--resume", cmd->resume, "Continue from this checkpoint (model, optimizer, data and options)");
  sub->add_option("--log", cmd->log, "Append one JSON line per epoch to this file");
  cmd->runtime.add_to(sub);
  cmd->parallel.add_to(sub);
  sub->callback([cmd, epochs] { cmd->run(epochs->count() > 0); });
}

}  // namespace latent::cli
