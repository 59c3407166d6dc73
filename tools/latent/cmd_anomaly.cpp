// latent anomaly fit | score | eval: one-class detection with a model trained on normal data.
#include <iomanip>
#include <sstream>

#include "commands.h"
#include "common.h"
#include "latent/apps/anomaly.h"
#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/metrics/roc.h"

namespace latent::cli {
namespace {

void add_fit(CLI::App* parent) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string model, score, threshold, out;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = parent->add_subcommand("fit", "Score normal data and store the scoring rule and threshold");
  sub->add_option("--model", opt->model, "Model trained on normal data (latent train --normal-class C)")->required();
  opt->data.add_to(sub, "train");
  sub->add_option("--score", opt->score, score_names())->default_val("sse");
  sub->add_option("--threshold", opt->threshold,
                  "quantile:Q (of the normal scores) | contamination:C (= quantile:1-C) | sigma:K (mean + K std)")
      ->default_val("quantile:0.95");
  sub->add_option("--out", opt->out, "Detector file to write (holds the model too)")->required();
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    threshold_from_rule(opt->threshold, {0.0});  // a bad rule fails before any work
    check_outputs({{"--out", opt->out, "detector"}}, {{"--model", opt->model}, opt->data.input()});
    opt->runtime.apply();
    Dataset data = opt->data.load_for(load_model(opt->model));
    Detector detector = fit_detector(opt->model, data.x, opt->score, opt->threshold);
    detector.normal_class = opt->data.only_class;
    save_detector(opt->out, detector);
    print_report({{"fitted_on", detector.fitted_on},
                  {"score", detector.score},
                  {"threshold_rule", detector.threshold_rule},
                  {"threshold", detector.threshold}},
                 false);
  });
}

void add_score(CLI::App* parent) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string detector, out;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = parent->add_subcommand("score", "Write id, score, is_anomaly for every item");
  sub->add_option("--detector", opt->detector, "Detector file (latent anomaly fit)")->required();
  opt->data.add_to(sub, "test");
  add_invert_option(sub, opt->data.invert);
  sub->add_option("--out", opt->out, "scores.csv")->required();
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    check_output_extension(opt->out, {".csv"});
    check_outputs({{"--out", opt->out, ""}}, {{"--detector", opt->detector}, opt->data.input()});
    opt->runtime.apply();
    Detector detector = load_detector(opt->detector);
    std::vector<double> scores = anomaly_scores(detector, opt->data.load_for(detector.model).x);
    std::ostringstream csv;
    csv << "id,score,is_anomaly\n" << std::setprecision(9);
    for (size_t i = 0; i < scores.size(); ++i)
      csv << i << "," << scores[i] << "," << (scores[i] > detector.threshold) << "\n";
    write_file_atomic(opt->out, csv.str());
  });
}

void add_eval(CLI::App* parent) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string detector;
    int64_t normal_class = -1;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub =
      parent->add_subcommand("eval", "ROC AUC, PR AUC (anomalies positive), precision/recall/F1 at the threshold");
  sub->add_option("--detector", opt->detector, "Detector file (latent anomaly fit)")->required();
  opt->data.add_to(sub, "test", false);
  sub->add_option("--normal-class", opt->normal_class,
                  "The normal label; every other label is an anomaly "
                  "(default: the class the detector was fitted on)");
  sub->add_flag("--json", opt->json, "Print JSON");
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    opt->runtime.apply();
    Detector detector = load_detector(opt->detector);
    int64_t normal = opt->normal_class >= 0 ? opt->normal_class : detector.normal_class;
    if (normal < 0) throw Error("--normal-class: the detector does not know its normal class; give it");
    Dataset data = opt->data.load_for(detector.model);
    if (!data.has_labels()) throw Error("--data " + opt->data.data + " has no labels to evaluate against");
    std::vector<double> scores = anomaly_scores(detector, data.x);
    torch::Tensor labels = data.y.contiguous();
    std::vector<bool> anomalous(scores.size());
    for (size_t i = 0; i < scores.size(); ++i) anomalous[i] = labels.data_ptr<int64_t>()[i] != normal;
    ThresholdCounts c = count_at_threshold(scores, anomalous, detector.threshold);
    print_report({{"n", scores.size()},
                  {"normal_class", normal},
                  {"anomalies", c.true_positives + c.false_negatives},
                  {"score", detector.score},
                  {"roc_auc", roc_auc(scores, anomalous)},
                  {"pr_auc", pr_auc(scores, anomalous)},
                  {"threshold", detector.threshold},
                  {"precision", c.precision()},
                  {"recall", c.recall()},
                  {"f1", c.f1()}},
                 opt->json);
  });
}

}  // namespace

void add_anomaly_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("anomaly", "One-class detection: fit a detector, score data, evaluate it");
  sub->require_subcommand(1);
  add_fit(sub);
  add_score(sub);
  add_eval(sub);
}

}  // namespace latent::cli
