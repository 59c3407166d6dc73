// latent classify train|eval: a softmax layer on an encoder (pretrained or random), trained on labels.
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "common.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/train/classifier.h"

namespace latent::cli {
namespace {

struct ClassifyTrain {
  RuntimeOptions runtime;
  DataOptions data;
  std::string init, layers, out;
  ModelSpec spec;
  int64_t labels = 0, classes = 10;
  ClassifierTrainOptions options;
  std::string corrupt = "none";

  void run() {
    runtime.apply();
    check_outputs({{"--out", out, "classifier"}}, {{"--init", init == "random" ? "" : init}, data.input()});
    if (labels < 0) throw Error("--labels must be >= 0");
    if (classes < 2) throw Error("--classes must be at least 2");
    options.seed = runtime.seed;
    options.corrupt = CorruptionSpec::parse(corrupt);
    options.validate();
    Autoencoder body{nullptr};
    Normalization norm;
    Dataset train;
    nlohmann::json meta;
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
      RawData raw = numbers_only(data.load(), "classify");
      norm = Normalization::fit(raw);
      spec.input_shape = raw.sample_shape;
      spec.latent = widths.back();
      spec.layers.assign(widths.begin(), widths.end() - 1);
      spec.set_type(ModelType::ae, norm.unit_range());
      torch::manual_seed(runtime.seed);
      body = Autoencoder(spec);
      train = make_dataset(std::move(raw), norm);
      meta["init"] = "random";
    } else {
      LoadedModel loaded = load_model(init);
      body = loaded.model;
      norm = loaded.normalization;
      train = data.load_for(loaded);
      meta["init"] = init;
      meta["init_fingerprint"] = loaded.fingerprint;
    }
    if (!train.has_labels()) throw Error("--data " + data.data + " has no labels");
    if (labels > 0) train = balanced_subset(train, labels, classes, runtime.seed);
    if (train.y.max().item<int64_t>() >= classes)
      throw Error("--data has labels >= --classes " + std::to_string(classes));
    torch::manual_seed(runtime.seed + 1);  // the softmax layer's initial weights
    Classifier model(body, classes);
    body->train();
    log_line("training a classifier on " + body->spec().shape_string() + " (" + meta["init"].get<std::string>() +
             (options.freeze_encoder ? ", encoder frozen" : "") + ") with " + std::to_string(train.size()) +
             " labelled samples");
    nlohmann::json history = nlohmann::json::array();
    train_classifier(model, train, options, [&](int epoch, double loss, double accuracy) {
      history.push_back({{"epoch", epoch}, {"train_loss", loss}, {"train_accuracy", accuracy}});
    });
    meta["data"] = data.data;
    meta["labels"] = train.size();
    meta["classify_options"] = options.to_json();
    meta["final"] = history.back();
    save_classifier(out, model, norm, meta);
    log_line("saved the classifier to " + out);
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
      "and --activation/--code-activation. The softmax layer sits\n"
      "on the code. Adam with a cosine learning rate; the decoder is carried along but not trained.");
  sub->add_option("--init", train->init, "MODEL (a model file whose encoder starts the classifier) or random")
      ->required();
  train->data.add_to(sub, "train");
  sub->add_option("--labels", train->labels,
                  "Use a class-balanced subset of N labelled samples (semi-supervised use; 0 = all)")
      ->default_val(0);
  sub->add_option("--classes", train->classes, "Number of classes (labels 0..C-1)")->default_val(10);
  sub->add_flag("--freeze-encoder", train->options.freeze_encoder, "Train only the softmax layer (a linear probe)");
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
  sub->add_option("--out", train->out, "Classifier file to write")->required();
  train->runtime.add_to(sub);
  sub->callback([train] { train->run(); });

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
