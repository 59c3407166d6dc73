// latent anomaly fit | score | eval: one-class detection with a model trained on normal data.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "common.h"
#include "latent/apps/anomaly.h"
#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/io/container.h"
#include "latent/io/table_schema.h"
#include "latent/metrics/roc.h"

namespace latent::cli {
namespace {

void add_fit(CLI::App* parent) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string model, score, threshold, out;
    double calibration = 0;  // 0: the default share (see the footer)
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = parent->add_subcommand("fit", "Score normal data and store the scoring rule and threshold");
  sub->add_option("--model", opt->model, "Model trained on normal data (latent train --normal-class C)")->required();
  opt->data.add_to(sub, "train");
  sub->add_option("--score", opt->score, score_names())->default_val("auto");
  sub->add_option("--threshold", opt->threshold,
                  "quantile:Q (of the normal scores) | fpr:R (= quantile:1-R: a share R of normal rows flagged) | "
                  "contamination:C (the same) | sigma:K (mean + K std)")
      ->default_val("quantile:0.95");
  sub->add_option("--calibration", opt->calibration,
                  "Share of --data's rows the threshold is set on; they must be rows the model did not train on "
                  "(default: the share train --val held out when --data is what the model trained on, else all)")
      ->check(CLI::Range(0.0, 1.0));
  sub->footer(
      "The threshold is set on normal rows the model did not train on: when --data is the data the model\n"
      "trained on (the same rows), on the rows its training held out for validation (train --val, e.g. 0.2;\n"
      "--calibration may ask for fewer of them, never more). Other data is all unseen: all of it is used, or\n"
      "the first --calibration share of it. A model that held nothing out of this data gets its threshold\n"
      "from rows it trained on, with a warning (an error with --calibration): such a threshold flags fewer\n"
      "normal rows than the rule says. Without --normal-class, the normal rows are the class the model was\n"
      "trained on (train --normal-class), when it was.");
  sub->add_option("--out", opt->out, "Detector file to write (holds the model too)")->required();
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    threshold_from_rule(opt->threshold, {0.0});  // a bad rule fails before any work
    check_outputs({{"--out", opt->out, "detector"}}, {{"--model", opt->model}, opt->data.input()});
    opt->runtime.apply();
    const LoadedModel model = load_model(opt->model);
    // Normal rows are the model's normal class unless told: a threshold set over every class would
    // be set on anomalies.
    const int64_t model_class = model.meta.value("normal_class", int64_t{-1});
    if (opt->data.only_class < 0 && opt->data.only_class_name.empty() && model_class >= 0) {
      opt->data.only_class = model_class;
      log_line("--normal-class " + std::to_string(model_class) + " (the class the model was trained on)");
    }
    RawData raw = opt->data.load_as(model);
    const bool trained_on = model.meta.value("data_fingerprint", "") == opt->data.fingerprint(raw);
    Dataset data = opt->data.prepare_for(std::move(raw), model);
    torch::Tensor calibration_x;
    const bool same_source =
        model.meta.value("data", "") == opt->data.data && model.meta.value("split", "train") == opt->data.split;
    std::string calibration = "all " + std::to_string(data.size()) + " rows of --data " +
                              (same_source ? "(other rows of the source the model trained on; they may overlap)"
                                           : "(not the data the model trained on)");
    const auto first_rows = [&](const torch::Tensor& x, double share) {
      const int64_t rows = std::max<int64_t>(1, std::llround(share * static_cast<double>(data.size())));
      return x.slice(0, 0, std::min<int64_t>(rows, x.size(0)));
    };
    if (trained_on) {
      const double val = model.meta.value("val", 0.0);
      if (opt->calibration > val + 1e-9)
        throw Error("--calibration " + nlohmann::json(opt->calibration).dump() + ": the model trained on all but " +
                    nlohmann::json(val).dump() + " of these rows (train --val " + nlohmann::json(val).dump() +
                    "); give at most that, fit on other normal rows, or train with --val " +
                    nlohmann::json(opt->calibration).dump());
      Dataset held_out = split_validation(data, val).second;
      if (held_out.x.defined()) {
        calibration_x = opt->calibration > 0 ? first_rows(held_out.x, opt->calibration) : held_out.x;
        calibration = (calibration_x.size(0) < held_out.size() ? std::to_string(calibration_x.size(0)) + " of " : "") +
                      "the " + std::to_string(held_out.size()) + " rows training held out (--val " +
                      nlohmann::json(val).dump() + ")";
      } else {
        calibration = "the " + std::to_string(data.size()) + " rows the model trained on (it held none out)";
        std::cerr << "latent: warning: --data is what the model trained on and it held no rows out (--val 0): the "
                     "threshold comes from rows it fits well and will flag more normal rows than "
                  << opt->threshold << " says; train with --val 0.2, or fit on other normal rows\n";
      }
    } else if (opt->calibration > 0) {
      calibration_x = first_rows(data.x, opt->calibration);
      calibration = "the first " + std::to_string(calibration_x.size(0)) + " of " + calibration;
    }
    Detector detector = fit_detector(ModelFile::read(opt->model), data.x, opt->score, opt->threshold, calibration_x);
    detector.normal_class = opt->data.only_class;
    detector.calibration_rows = calibration;
    save_detector(opt->out, detector);
    print_report({{"fitted_on", detector.fitted_on},
                  {"score", detector.score},
                  {"threshold_rule", detector.threshold_rule},
                  {"threshold", detector.threshold},
                  {"threshold_set_on", calibration}},
                 false);
  });
}

/// What names each row for its reader besides its number: an image's path, a table's columns
/// left out as identifiers (an order number, a name), as the file wrote them.
struct RowNames {
  std::vector<std::string> columns;             ///< the header of each
  std::vector<std::vector<std::string>> cells;  ///< per column, per row: a CSV field
};

RowNames row_names(const RawData& raw, const Normalization& norm) {
  RowNames names;
  if (!raw.paths.empty()) {
    names.columns = {"path"};
    names.cells.emplace_back();
    for (const std::string& path : raw.paths) names.cells.back().push_back(csv_field(path));
    return names;
  }
  if (!norm.table) return names;
  const std::vector<std::string>& read = raw.table.names;
  const std::string kOwn[] = {"id", "path", "score", "is_anomaly", "threshold", "threshold_rule"};
  for (const std::string& identifier : norm.table->identifiers) {
    const auto found = std::find(read.begin(), read.end(), identifier);
    if (found == read.end()) continue;
    const bool clashes = std::find(std::begin(kOwn), std::end(kOwn), identifier) != std::end(kOwn) ||
                         identifier.rfind("column_", 0) == 0 || identifier.rfind("share_", 0) == 0;
    names.columns.push_back(clashes ? identifier + "_in_file" : identifier);
    names.cells.emplace_back();
    for (int64_t row = 0; row < raw.count(); ++row)
      names.cells.back().push_back(cell_text(raw, row, found - read.begin()));
  }
  return names;
}

void add_score(CLI::App* parent) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string detector, out;
    int64_t explain = 0;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = parent->add_subcommand("score",
                                         "Write id (the row number), the path of an image or a table's identifier "
                                         "columns, score, is_anomaly for every item");
  sub->add_option("--detector", opt->detector, "Detector file (latent anomaly fit)")->required();
  opt->data.add_to(sub, "test");
  add_invert_option(sub, opt->data.invert);
  sub->add_option("--explain", opt->explain,
                  "Tables: add the K columns that make most of each row's score, with their share "
                  "(column_1,share_1,...)")
      ->default_val(0)
      ->check(CLI::Range(0, 100));
  sub->add_option("--out", opt->out, "scores.csv")->required();
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    check_output_extension(opt->out, {".csv"});
    check_outputs({{"--out", opt->out, ""}}, {{"--detector", opt->detector}, opt->data.input()});
    opt->runtime.apply();
    Detector detector = load_detector(opt->detector);
    RawData raw = opt->data.load_as(detector.model);
    const RowNames names = row_names(raw, detector.model.normalization);
    const torch::Tensor x = opt->data.prepare_for(std::move(raw), detector.model).x;
    std::vector<double> scores = anomaly_scores(detector, x);
    std::vector<std::vector<ScoreShare>> shares;
    if (opt->explain > 0) shares = explain_scores(detector, x, opt->explain);
    std::ostringstream csv;
    csv << "id";
    for (const std::string& column : names.columns) csv << "," << csv_field(column);
    csv << ",score,is_anomaly,threshold,threshold_rule";
    for (int64_t k = 1; k <= opt->explain && !shares.empty(); ++k) csv << ",column_" << k << ",share_" << k;
    csv << "\n" << std::setprecision(17);  // the score to the bit: the server's JSON gives the same
    int64_t anomalies = 0;
    const std::string rule = csv_field(detector.threshold_rule);
    for (size_t i = 0; i < scores.size(); ++i) {
      anomalies += scores[i] > detector.threshold;
      csv << i;
      for (const std::vector<std::string>& cells : names.cells) csv << "," << cells[i];
      csv << "," << scores[i] << "," << (scores[i] > detector.threshold) << "," << detector.threshold << "," << rule;
      if (!shares.empty())
        for (const ScoreShare& share : shares[i])
          csv << "," << csv_field(share.column) << "," << std::setprecision(4) << share.share << std::setprecision(17);
      csv << "\n";
    }
    write_file_atomic(opt->out, csv.str());
    print_report({{"scored", scores.size()},
                  {"anomalies", anomalies},
                  {"threshold", detector.threshold},
                  {"threshold_rule", detector.threshold_rule},
                  {"threshold_set_on", detector.calibration_rows}},
                 false);
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
