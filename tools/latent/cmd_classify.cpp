// latent classify train|eval: a softmax layer on an encoder (pretrained or random), trained on labels.
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <set>

#include "commands.h"
#include "common.h"
#include "latent/base/error.h"
#include "latent/base/interrupt.h"
#include "latent/base/progress.h"
#include "latent/train/classifier.h"
#include "latent/train/trainer.h"

namespace latent::cli {
namespace {

struct ClassifyTrain {
  RuntimeOptions runtime;
  DataOptions data;
  std::string init, layers, out, checkpoint, resume, log;
  bool overwrite = false;
  ModelSpec spec;
  int64_t labels = 0, classes = 10;
  double val_fraction = 0;
  TrainOptions options;
  ClassifierSettings settings;
  std::string corrupt = "none", engine = "auto";
  std::optional<RawData> random_raw;  ///< --init random: the data start() read to size the net

  /// The labelled samples, read as the classifier's encoder reads them (`as`; a random encoder:
  /// numbers only, normalised with `as`'s normalisation), then --labels' balanced subset.
  Dataset labelled_data(const LoadedModel& as) {
    if (init == "random" && !random_raw) random_raw = numbers_only(data.load(), "classify");  // a resumed run
    Dataset train = init == "random" ? make_dataset(std::move(*random_raw), as.normalization) : data.load_for(as);
    if (!train.has_labels()) throw Error("--data " + data.data + " has no labels");
    if (labels > 0) train = balanced_subset(train, labels, classes, runtime.seed);
    if (train.y.max().item<int64_t>() >= classes)
      throw Error("--data has labels >= --classes " + std::to_string(classes));
    return train;
  }

  /// A new run: the encoder (random or --init's), the softmax layer, the Trainer.
  std::unique_ptr<Trainer> start(LoadedModel& as, nlohmann::json& meta) {
    if (init.empty()) throw Error("--init is required (or --resume CHECKPOINT)");
    if (labels < 0) throw Error("--labels must be >= 0");
    if (classes < 2) throw Error("--classes must be at least 2");
    if (!(val_fraction >= 0 && val_fraction < 1)) throw Error("--val must be in [0, 1)");
    options.seed = runtime.seed;
    settings.corrupt = CorruptionSpec::parse(corrupt);
    settings.autograd = engine == "autograd";
    options.validate();
    if (init == "random" && layers.empty())
      throw Error(
          "--init random needs --layers (the encoder widths, the last one the code; for the net of a "
          "pretrained stack, its sizes from latent info STACK, e.g. 1000,500,250,30)");
    if (init != "random" && !layers.empty())
      throw Error("--layers is for --init random; the encoder of --init " + init + " has its own");
    if (init == "random") {
      std::vector<int64_t> widths = parse_sizes("--layers", layers);
      if (widths.empty() || std::count(widths.begin(), widths.end(), 0) > 0)
        throw Error("--layers '" + layers + "': expected sizes >= 1, the last one the code, like 1000,1000,1000");
      random_raw = numbers_only(data.load(), "classify");
      as.normalization = Normalization::fit(*random_raw);
      spec.input_shape = random_raw->sample_shape;
      spec.latent = widths.back();
      spec.layers.assign(widths.begin(), widths.end() - 1);
      spec.set_type(ModelType::ae, as.normalization.unit_range());
      torch::manual_seed(runtime.seed);
      as.model = Autoencoder(spec);
      meta["init"] = "random";
    } else {
      as = load_model(init);
      data.follow_model(as);
      meta["init"] = init;
      meta["init_fingerprint"] = as.fingerprint;
      meta["image_layout"] = as.image_layout.to_json();
    }
    torch::manual_seed(runtime.seed + 1);  // the softmax layer's initial weights
    Classifier model(as.model, classes);
    meta["data"] = data.data;
    meta["split"] = data.split;
    meta["limit"] = data.limit;
    meta["normal_class"] = data.only_class;
    meta["labels_asked"] = labels;
    meta["classes"] = classes;
    meta["val"] = val_fraction;
    meta["seed"] = runtime.seed;
    return std::make_unique<Trainer>(std::make_shared<ClassifierNet>(model, settings), options);
  }

  /// A resumed run is the checkpoint's: only where it goes and how long it runs may change.
  std::unique_ptr<Trainer> adopt(CLI::App* sub, LoadedModel& as, nlohmann::json& meta) {
    static const std::set<std::string> kMayChange = {"--resume",     "--epochs",  "--out",
                                                     "--checkpoint", "--threads", "--log"};
    for (const CLI::Option* option : sub->get_options())
      if (option->count() > 0 && kMayChange.count(option->get_name()) == 0)
        throw Error("--resume continues the checkpoint's run with its own settings: drop " + option->get_name());
    auto trainer = std::make_unique<Trainer>(Trainer::resume(resume, as.normalization, meta));
    if (dynamic_cast<ClassifierNet*>(&trainer->net()) == nullptr || !meta.contains("labels_asked"))
      throw Error("--resume " + resume + ": not a classifier's checkpoint (continue it with latent train --resume)");
    as.model = trainer->model();
    as.meta = meta;
    if (meta.contains("image_layout")) as.image_layout = ImageLayout::from_json(meta.at("image_layout"));
    init = meta.at("init");
    data.data = meta.at("data");
    data.split = meta.at("split");
    data.limit = meta.at("limit");
    data.only_class = meta.at("normal_class");
    labels = meta.at("labels_asked");
    classes = meta.at("classes");
    val_fraction = meta.at("val");
    runtime.seed = meta.at("seed");
    if (sub->get_option("--epochs")->count() > 0) trainer->mutable_options().epochs = options.epochs;
    if (out.empty()) out = meta.value("out", "");
    return trainer;
  }

  void run(CLI::App* sub) {
    LoadedModel as;  // the encoder, and how its data is read
    nlohmann::json meta;
    std::unique_ptr<Trainer> trainer;
    if (!resume.empty()) trainer = adopt(sub, as, meta);
    if (out.empty()) throw Error("--out is required");
    if (checkpoint.empty()) checkpoint = out + ".ckpt";
    check_outputs({{"--out", out, "classifier", !overwrite && resume.empty()},
                   {"--checkpoint", same_file(checkpoint, resume) ? "" : checkpoint, "checkpoint", !overwrite},
                   {"--log", log, ""}},
                  {{"--init", init == "random" ? "" : init}, {"--resume", resume}, data.input()});
    runtime.apply();
    if (!trainer) trainer = start(as, meta);
    // Not a structured binding: the lambdas below use both (C++17 lambdas cannot capture bindings).
    const std::pair<Dataset, Dataset> split = split_validation(labelled_data(as), val_fraction);
    const Dataset &train_set = split.first, &val_set = split.second;
    meta["labels"] = train_set.size() + val_set.size();
    auto& net = dynamic_cast<ClassifierNet&>(trainer->net());
    meta["classify_options"] = trainer->options().to_json();
    meta["classify_settings"] = net.settings().to_json();
    meta["out"] = std::filesystem::absolute(out).string();
    trainer->set_checkpoint(checkpoint, as.normalization, meta);
    if (!resume.empty())
      log_line("resuming " + resume + " after epoch " + std::to_string(trainer->state().epochs_done));
    log_line("training a classifier on " + as.model->spec().shape_string() + " (" + init +
             (net.settings().freeze_encoder ? ", encoder frozen" : "") + ") with " + std::to_string(train_set.size()) +
             " labelled samples, validating on " + std::to_string(val_set.size()));
    // With validation the epoch of the lowest validation loss is kept, without it the last one.
    auto save = [&](const EpochStats& stats) {
      nlohmann::json saved = meta;
      saved["final"] = {{"epoch", stats.epoch}, {"train_loss", stats.train_loss}};
      if (!val_set.empty()) saved["final"]["val_loss"] = stats.val_loss;
      save_classifier(out, net.classifier(), as.normalization, saved);
    };
    std::ofstream log_file;
    if (!log.empty()) {
      log_file.open(log, resume.empty() ? std::ios::trunc : std::ios::app);
      if (!log_file) throw Error("--log " + log + ": cannot open for writing");
    }
    bool saved = false;
    std::string holding = resume;  // the checkpoint that holds the last finished epoch
    catch_interrupts();
    try {
      trainer->fit(train_set, val_set, [&](const EpochStats& stats, bool improved) {
        holding = checkpoint;
        if (log_file.is_open()) log_file << stats.to_json().dump() << std::endl;
        if (val_set.empty() ? stats.epoch == trainer->options().epochs : improved) {
          save(stats);
          saved = true;
        }
      });
    } catch (const Interrupted& e) {
      throw resume_hint(e, holding, trainer->state().epochs_done, "latent classify train");
    }
    const TrainState& state = trainer->state();
    if (!saved && val_set.empty() && !state.history.empty()) {  // stopped early, or nothing left to run
      save(state.history.back());
      saved = true;
    }
    if (!saved) {
      log_line("no epoch of this run beat epoch " + std::to_string(state.best_epoch) + "'s validation loss; " + out +
               " was not written");
      return;
    }
    log_line("saved the classifier of epoch " +
             std::to_string(val_set.empty() ? state.history.back().epoch : state.best_epoch) +
             (val_set.empty() ? "" : " (lowest validation loss " + std::to_string(state.best_loss) + ")") + " to " +
             out);
  }
};

void print_confusion(const nlohmann::json& report) {
  std::cout << "n                  " << report["n"].get<int64_t>() << "\n";
  std::cout << "accuracy           " << std::setprecision(6) << report["accuracy"].get<double>() << "\n";
  std::cout << "error_rate         " << report["error_rate"].get<double>() << "\n";
  std::cout << "confusion (rows: true class, columns: predicted)\n     ";
  const auto& rows = report["confusion"];
  for (size_t c = 0; c < rows.size(); ++c) std::cout << std::setw(6) << c;
  std::cout << "\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    std::cout << std::setw(5) << r;
    for (const auto& v : rows[r]) std::cout << std::setw(6) << v.get<int64_t>();
    std::cout << "\n";
  }
}

}  // namespace

void add_classify_command(CLI::App& app) {
  CLI::App* classify = app.add_subcommand("classify", "A classifier from an encoder: train it on labels, evaluate it");
  classify->require_subcommand(1);

  auto train = std::make_shared<ClassifyTrain>();
  CLI::App* sub =
      classify->add_subcommand("train", "Put a softmax layer on an encoder and train the whole net on labels");
  sub->footer(
      "--init MODEL starts from a model file's encoder (e.g. one from latent pretrain); --init random builds a\n"
      "net from random weights with --layers (required; give a pretrained stack's sizes for the same net)\n"
      "and --activation/--code-activation. The softmax layer sits on the code. Trained as latent train\n"
      "trains (Adam, cosine learning rate); the decoder is carried along but not trained. --checkpoint\n"
      "(OUT.ckpt) holds the state after every epoch: a killed run continues with --resume CHECKPOINT.");
  sub->add_option("--init", train->init, "MODEL (a model file whose encoder starts the classifier) or random");
  train->data.add_to(sub, "train");
  sub->add_option("--labels", train->labels,
                  "Use a class-balanced subset of N labelled samples (semi-supervised use; 0 = all)")
      ->default_val(0);
  sub->add_option("--classes", train->classes, "Number of classes (labels 0..C-1)")->default_val(10);
  sub->add_flag("--freeze-encoder", train->settings.freeze_encoder, "Train only the softmax layer (a linear probe)");
  sub->add_option("--layers", train->layers,
                  "--init random (required there): encoder widths, the last one is the code, e.g. 1000,1000,1000");
  add_activation_options(sub, train->spec, "--init random: ");
  sub->add_option("--epochs", train->options.epochs, "Epochs")->default_val(30);
  sub->add_option("--batch", train->options.batch, "Mini-batch size")->default_val(128);
  sub->add_option("--lr", train->options.lr, "Peak learning rate (Adam, cosine schedule)")->default_val(1e-3);
  sub->add_option("--weight-decay", train->options.weight_decay, "L2 weight decay")->default_val(0.0);
  sub->add_option("--corrupt", train->corrupt,
                  "Corrupt each training batch afresh (a regulariser, as in denoising fine-tuning): none | "
                  "gaussian:STDDEV | masking:P | saltpepper:P")
      ->default_val("none");
  sub->add_option("--engine", train->engine,
                  "auto: an encoder of dense layers with a plain code trains through latent's hand-written passes, "
                  "the batch split over --threads threads; autograd: always LibTorch autograd (same results up to "
                  "float rounding)")
      ->default_val("auto")
      ->check(CLI::IsMember({"auto", "autograd"}));
  sub->add_option("--val", train->val_fraction,
                  "Fraction of the labelled samples held out for validation; the epoch of the lowest validation "
                  "loss is kept (0: none, the last epoch is kept)")
      ->default_val(0.0);
  sub->add_option("--patience", train->options.patience,
                  "Stop after N epochs without a lower validation loss (0 = never)")
      ->default_val(0);
  sub->add_option("--out", train->out,
                  "Classifier file to write (with --resume: default the run's own). An existing classifier is "
                  "replaced only with --overwrite");
  sub->add_flag("--overwrite", train->overwrite,
                "Replace an existing classifier at --out (and checkpoint at --checkpoint) with a new run");
  sub->add_option("--checkpoint", train->checkpoint, "Training state written after every epoch (default: OUT.ckpt)");
  sub->add_option("--log", train->log, "Write one JSON line per epoch to this file (a resumed run appends to it)");
  sub->add_option("--resume", train->resume,
                  "Continue the run a --checkpoint file holds (its data and settings; --epochs may grow)");
  train->runtime.add_to(sub);
  sub->callback([train, sub] { train->run(sub); });

  struct EvalOptions {
    RuntimeOptions runtime;
    DataOptions data;
    std::string model;
    bool json = false;
  };
  auto eval = std::make_shared<EvalOptions>();
  CLI::App* ev = classify->add_subcommand("eval", "Accuracy, error rate and confusion matrix of a classifier");
  ev->add_option("--model", eval->model, "Classifier file (from latent classify train)")->required();
  eval->data.add_to(ev, "test");
  ev->add_flag("--json", eval->json, "Print one JSON object");
  eval->runtime.add_to(ev);
  ev->callback([eval] {
    eval->runtime.apply();
    LoadedClassifier loaded = load_classifier(eval->model);
    RawData raw = eval->data.load();
    if (raw.features() != loaded.model->body()->spec().input_size())
      throw Error("--data " + eval->data.data + " has " + std::to_string(raw.features()) +
                  " values per sample, the classifier expects " +
                  std::to_string(loaded.model->body()->spec().input_size()));
    Dataset data = make_dataset(std::move(raw), loaded.normalization);
    if (!data.has_labels()) throw Error("--data " + eval->data.data + " has no labels");
    nlohmann::json report = evaluate_classifier(loaded.model, data);
    if (eval->json) std::cout << report.dump() << "\n";
    else print_confusion(report);
  });
}

}  // namespace latent::cli
