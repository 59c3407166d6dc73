// latent info: what a model file holds.
#include "commands.h"
#include "common.h"

namespace latent::cli {

void add_info_command(CLI::App& app) {
  struct Options {
    std::string model;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("info", "Show a model file's spec, normalisation and training record");
  sub->add_option("model", opt->model, "Model file")->required();
  sub->add_flag("--json", opt->json, "Print one JSON object");
  sub->callback([opt] {
    LoadedModel model = load_model(opt->model);
    nlohmann::json norm = model.normalization.to_json();
    if (norm.contains("mean")) norm["mean"] = std::to_string(norm["mean"].size()) + " values";
    if (norm.contains("stddev")) norm["stddev"] = std::to_string(norm["stddev"].size()) + " values";
    nlohmann::json report = {{"file", opt->model},
                             {"fingerprint", model.fingerprint},
                             {"shape", model.model->spec().shape_string()},
                             {"parameters", model.model->parameter_count()},
                             {"spec", model.model->spec().to_json()},
                             {"normalization", norm},
                             {"training", model.meta}};
    print_report(report, opt->json);
  });
}

}  // namespace latent::cli
