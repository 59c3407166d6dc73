// latent info: what a latent file holds. Each kind is read by the loader of the command that uses
// it, so info checks the file as that command would and shows the settings it will act on.
#include <filesystem>
#include <map>
#include <sstream>

#include "commands.h"
#include "common.h"
#include "latent/apps/anomaly.h"
#include "latent/base/error.h"
#include "latent/io/codec.h"
#include "latent/io/container.h"
#include "latent/io/pack_file.h"
#include "latent/search/mutable_index.h"
#include "latent/train/classifier.h"
#include "latent/train/trainer.h"

namespace latent::cli {
namespace {

// Mean and stddev hold a value per input: their count says enough.
nlohmann::json normalization_summary(const Normalization& normalization) {
  nlohmann::json norm = normalization.to_json();
  if (norm.contains("mean")) norm["mean"] = std::to_string(norm["mean"].size()) + " values";
  if (norm.contains("stddev")) norm["stddev"] = std::to_string(norm["stddev"].size()) + " values";
  return norm;
}

/// "age: number (centre 39.9, scale 11.8)", "day: date, in days (centre 2021-03-04, scale 210 days)", "city: 6 levels +
/// other (paris, lyon, ...)".
nlohmann::json table_columns(const TableSchema& table) {
  nlohmann::json lines = nlohmann::json::array();
  for (const TableColumn& column : table.columns) {
    std::ostringstream line;
    line.precision(4);
    line << column.name << ": ";
    if (!column.is_words && column.style.date) {
      line << "date, in days (" << name_of(table.scaling) << ": centre " << number_text(column.center, column.style)
           << ", scale " << column.scale << " days)";
    } else if (!column.is_words) {
      line << "number (" << name_of(table.scaling) << ": centre " << column.center << ", scale " << column.scale << ")";
    } else {
      line << column.levels.size() << " levels + other (";
      for (size_t i = 0; i < column.levels.size() && i < 5; ++i) line << (i ? ", " : "") << csv_field(column.levels[i]);
      line << (column.levels.size() > 5 ? ", ...)" : ")");
    }
    lines.push_back(line.str());
  }
  for (const std::string& name : table.identifiers) lines.push_back(name + ": left out (an identifier)");
  return lines;
}

nlohmann::json model_report(const std::string& path) {
  LoadedModel model = load_model(path);
  nlohmann::json report = {{"kind", "model"},
                           {"fingerprint", model.fingerprint},
                           {"shape", model.model->spec().shape_string()},
                           {"parameters", model.model->parameter_count()},
                           {"spec", model.model->spec().to_json()},
                           {"normalization", normalization_summary(model.normalization)},
                           {"training", model.meta}};
  if (model.normalization.table) report["columns"] = table_columns(*model.normalization.table);
  return report;
}

nlohmann::json checkpoint_report(const std::string& path) {
  Normalization norm;
  nlohmann::json meta;
  Trainer trainer = Trainer::resume(path, norm, meta);
  const TrainState& state = trainer.state();
  nlohmann::json report = {{"kind", "checkpoint"},
                           {"model", meta.value("out", "")},  // the model file this run writes
                           {"epochs_done", state.epochs_done},
                           {"epochs", trainer.options().epochs},
                           {"best_epoch", state.best_epoch},
                           {"settings", trainer.options().to_json()},
                           {"shape", trainer.model()->spec().shape_string()},
                           {"parameters", trainer.model()->parameter_count()},
                           {"spec", trainer.model()->spec().to_json()},
                           {"normalization", normalization_summary(norm)}};
  if (state.epochs_done > 0) report["best_loss"] = state.best_loss;
  return report;
}

nlohmann::json detector_report(const std::string& path) {
  Detector detector = load_detector(path);
  nlohmann::json report = {{"kind", "detector"},
                           {"model_fingerprint", detector.model.fingerprint},
                           {"shape", detector.model.model->spec().shape_string()},
                           {"score", detector.score},
                           {"threshold_rule", detector.threshold_rule},
                           {"threshold", detector.threshold},
                           {"fitted_on", detector.fitted_on}};
  if (!detector.calibration_rows.empty()) report["threshold_set_on"] = detector.calibration_rows;
  if (detector.normal_class >= 0) report["normal_class"] = detector.normal_class;
  if (detector.model.normalization.table) report["columns"] = table_columns(*detector.model.normalization.table);
  return report;
}

nlohmann::json compressed_report(const std::string& path) {
  CompressedCodes codes = read_compressed(path);
  const auto bytes = static_cast<int64_t>(std::filesystem::file_size(path));
  nlohmann::json report = {{"kind", "compressed"},
                           {"model_fingerprint", codes.model_fingerprint},
                           {"items", codes.count},
                           {"dims", codes.quantizer.dims()},
                           {"bits", codes.quantizer.bits},
                           {"levels", int64_t{1} << codes.quantizer.bits},
                           {"sample_shape", codes.sample_shape},
                           {"bytes", bytes}};
  if (codes.count > 0) report["bytes_per_item"] = static_cast<double>(bytes) / static_cast<double>(codes.count);
  return report;
}

nlohmann::json classifier_report(const std::string& path) {
  LoadedClassifier classifier = load_classifier(path);
  Autoencoder& body = classifier.model->body();
  return {{"kind", "classifier"},
          {"classes", classifier.model->classes()},
          {"shape", body->spec().shape_string()},
          {"spec", body->spec().to_json()},
          {"normalization", normalization_summary(classifier.normalization)},
          {"training", classifier.meta}};
}

nlohmann::json pack_report(const std::string& path) {
  const PackFile pack(path);
  const PackHeader& h = pack.header();
  nlohmann::json report = {{"kind", "pack"},
                           {"count", h.count},
                           {"sample_shape", h.sample_shape},
                           {"values", h.is_image ? "bytes (pixels)" : "float32 (table values as read)"},
                           {"labels", h.has_labels},
                           {"names", h.has_names},
                           {"source", h.source},
                           {"fingerprint", h.fingerprint}};
  if (h.is_image) report["image_layout"] = h.layout.to_json();
  if (!h.is_image) report["columns"] = h.table.names;
  if (!h.label_names.empty()) report["classes"] = h.label_names;
  return report;
}

}  // namespace

nlohmann::json index_report(const std::string& path) {
  const bool writable = EntryStore::is_store(path);
  CodeIndex index = load_index(path);
  const IndexInfo& info = index.info();
  nlohmann::json report = {{"kind", "index"},
                           {"storage", writable ? "mutable (SQLite: latent index add / remove, serve --writable)"
                                                : "snapshot (read-only: latent index build)"},
                           {"model_fingerprint", info.model_fingerprint},
                           {"model", info.model_path},
                           {"entries", index.size()},
                           {index.is_binary() ? "bits" : "dims", index.dims()},
                           {"index", info.kind},
                           {"metric", index.is_binary() ? "hamming" : name_of(info.metric)},
                           {"labels", !info.labels.empty()},
                           {"paths", !info.paths.empty()}};
  if (!writable) {
    report["data"] = info.data;
    report["split"] = info.split;
  }
  if (info.only_class >= 0) report["normal_class"] = info.only_class;
  if (info.limit > 0) report["limit"] = info.limit;
  if (!index.is_binary() && info.metric == CodeMetric::euclidean) report["similarity_scale"] = info.similarity_scale;
  report["bytes"] = std::filesystem::file_size(path);
  return report;
}

void add_info_command(CLI::App& app) {
  struct Options {
    std::string file;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("info", "Show what a latent file holds: its kind, model, counts and settings");
  sub->add_option("file", opt->file, "Model, checkpoint, index, detector, classifier, compressed (.ltc) or pack file")
      ->required();
  sub->add_flag("--json", opt->json, "Print one JSON object");
  sub->callback([opt] {
    using Reader = nlohmann::json (*)(const std::string&);
    static const std::map<std::string, Reader> readers = {
        {"model", model_report},       {"checkpoint", checkpoint_report}, {"index", index_report},
        {"detector", detector_report}, {"compressed", compressed_report}, {"classifier", classifier_report},
        {"pack", pack_report}};
    const std::optional<std::string> kind = EntryStore::is_store(opt->file) ? std::optional<std::string>("index")
                                            : is_pack_file(opt->file)       ? std::optional<std::string>("pack")
                                                                            : file_kind(opt->file);
    std::string kinds;
    for (const auto& [name, reader] : readers) kinds += (kinds.empty() ? "" : ", ") + name;
    if (kind && !kind->empty() && readers.count(*kind) == 0)
      throw Error(opt->file + ": a latent " + *kind + " file; info reads " + kinds);
    // A missing file or one that is not latent's goes to the model reader, whose error says which.
    const Reader read = kind && !kind->empty() ? readers.at(*kind) : model_report;
    nlohmann::json report = read(opt->file);
    report["file"] = opt->file;
    print_report(report, opt->json);
  });
}

}  // namespace latent::cli
