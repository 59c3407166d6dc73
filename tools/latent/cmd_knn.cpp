// latent knn: codes as features. k-nearest-neighbour test accuracy on the model's codes, beside
// raw inputs and PCA with as many dimensions as the code (the linear baseline), reported together.
#include <cmath>
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "common.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/eval/code_features.h"
#include "latent/io/data_source.h"
#include "latent/model/evaluate.h"

namespace latent::cli {

namespace {

constexpr double kHeldOut = 0.2;  // of a source without a test split, the queries
const std::string kHeldOutText = "a fixed held-out " + std::to_string(std::lround(100 * kHeldOut)) + "%";

Dataset first(const Dataset& data, int64_t limit) {
  return limit > 0 && limit < data.size() ? data.select(torch::arange(limit)) : data;
}

}  // namespace

void add_knn_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    std::string model, data = "mnist";
    int64_t train_limit = 0, test_limit = 0;
    int k = 5;
    bool json = false, skip_raw = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("knn", "kNN classification on codes vs raw inputs vs PCA of the same size");
  sub->footer(
      "The train split is the reference set, the test split the queries (csv and images sources, which have\n"
      "no test split: " +
      kHeldOutText +
      " of the samples); each query takes the majority label of\n"
      "its k nearest reference samples (exact L2 search, FAISS). Three feature sets: the model's codes, the\n"
      "normalised inputs, and their projection on the first principal components (as many as the code has,\n"
      "fitted on the train split). bytes_per_sample counts float32 features.");
  sub->add_option("--model", opt->model, "Model file")->required();
  sub->add_option("--data", opt->data,
                  "Labelled data (mnist | fashion-mnist | idx:DIR | csv:FILE,label=... | images:DIR of class folders); "
                  "not given: the model's training data")
      ->default_val("mnist");
  sub->add_option("-k,--k", opt->k, "Neighbours that vote")->default_val(5);
  sub->add_option("--train-limit", opt->train_limit, "Use only the first N train samples (0 = all)")->default_val(0);
  sub->add_option("--test-limit", opt->test_limit, "Use only the first N test samples (0 = all)")->default_val(0);
  sub->add_flag("--skip-raw", opt->skip_raw, "Leave out the raw-input baseline (the slowest search)");
  sub->add_flag("--json", opt->json, "Print one JSON object");
  opt->runtime.add_to(sub);
  sub->callback([opt, sub] {
    if (opt->k < 1) throw Error("--k must be at least 1");
    opt->runtime.apply();
    LoadedModel model = load_model(opt->model);
    opt->data = data_for_model(model, opt->data, sub->get_option("--data")->count() > 0);
    DataOptions train_opt, test_opt;
    train_opt.data = test_opt.data = opt->data;
    train_opt.split = "train", test_opt.split = "test";
    Dataset train, test;
    std::string queries = "the test split";
    if (DataSource::parse(opt->data).has_test_split()) {
      train_opt.limit = opt->train_limit, test_opt.limit = opt->test_limit;
      train = train_opt.load_for(model), test = test_opt.load_for(model);
    } else {
      // Its test split is its train split: the queries would find themselves.
      std::tie(train, test) = split_validation(train_opt.load_for(model), kHeldOut);
      if (!test.x.defined()) throw Error("--data " + opt->data + " is too small to hold out queries");
      train = first(train, opt->train_limit), test = first(test, opt->test_limit);
      queries = kHeldOutText + " (" + opt->data + " has no test split)";
    }
    if (!train.has_labels() || !test.has_labels()) throw Error("--data " + opt->data + " has no labels");
    if (train.size() < opt->k) throw Error("--k " + std::to_string(opt->k) + " is larger than the train split");
    torch::Tensor train_codes = encode_all(model.model, train.x), test_codes = encode_all(model.model, test.x);
    std::tie(train.x, test.x) = fill_missing_cells(train.x, test.x);  // the baselines' inputs
    const int64_t dims = train_codes.size(1), inputs = train.x.size(1);
    auto entry = [](double accuracy, int64_t d) {
      return nlohmann::json{
          {"accuracy", accuracy}, {"error_rate", 1 - accuracy}, {"dims", d}, {"bytes_per_sample", 4 * d}};
    };
    nlohmann::json report = {{"k", opt->k}, {"train_n", train.size()}, {"test_n", test.size()}, {"queries", queries}};
    log_line("kNN on " + std::to_string(dims) + "-number codes");
    report["codes"] = entry(knn_accuracy(train_codes, train.y, test_codes, test.y, opt->k), dims);
    if (dims <= inputs) {
      log_line("kNN on PCA-" + std::to_string(dims));
      Pca pca = fit_pca(train.x, dims);
      report["pca"] = entry(knn_accuracy(pca.transform(train.x), train.y, pca.transform(test.x), test.y, opt->k), dims);
    }
    if (!opt->skip_raw) {
      log_line("kNN on raw inputs (" + std::to_string(inputs) + " numbers)");
      report["raw"] = entry(knn_accuracy(train.x, train.y, test.x, test.y, opt->k), inputs);
      report["memory_ratio_raw_to_codes"] = static_cast<double>(inputs) / static_cast<double>(dims);
    }
    if (opt->json) {
      std::cout << report.dump() << "\n";
      return;
    }
    std::cout << "kNN, k=" << opt->k << ", " << report["train_n"] << " reference, " << report["test_n"]
              << " queries: " << queries << "\n";
    std::cout << std::left << std::setw(10) << "features" << std::right << std::setw(8) << "dims" << std::setw(12)
              << "accuracy" << std::setw(12) << "error %" << std::setw(12) << "bytes\n";
    for (const char* name : {"codes", "pca", "raw"}) {
      if (!report.contains(name)) continue;
      const auto& e = report[name];
      std::cout << std::left << std::setw(10) << name << std::right << std::setw(8) << e["dims"].get<int64_t>()
                << std::setw(12) << std::fixed << std::setprecision(4) << e["accuracy"].get<double>() << std::setw(12)
                << std::setprecision(2) << 100 * e["error_rate"].get<double>() << std::setw(11)
                << e["bytes_per_sample"].get<int64_t>() << "\n";
    }
  });
}

}  // namespace latent::cli
