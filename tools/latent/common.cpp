#include "common.h"

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <sstream>

#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/io/container.h"
#include "latent/io/data_source.h"
#include "latent/io/image_grid.h"
#include "latent/io/matrix_file.h"
#include "latent/io/regularizer_spec.h"
#include "latent/runtime/threads.h"
#include "latent/search/mutable_index.h"

namespace latent::cli {

void RuntimeOptions::add_to(CLI::App* app) {
  app->add_option("--threads", threads, "Worker threads (0 = one per core)")->default_val(0);
  app->add_option("--seed", seed, "Random seed: same seed and threads give identical results")->default_val(0);
}

void RuntimeOptions::apply() const {
  if (threads < 0) throw Error("--threads must be >= 0");
  configure_threads(threads);
  torch::manual_seed(seed);
}

void DataOptions::add_to(CLI::App* app, const std::string& default_split, bool class_filter) {
  split = default_split;
  data_option =
      app->add_option("--data", data,
                      "mnist | fashion-mnist | idx:DIR | csv:FILE[,label=auto|NAME|first|last|none][,header="
                      "auto|yes|no][,sep=auto|comma|semicolon|tab|bar|space] | images:DIR | pack:FILE; a bare path is "
                      "read by its kind (FILE.csv or .tsv, FILE.lpk, a folder of images). Not given: "
                      "the training data of the command's model, else mnist")
          ->default_val("mnist");
  app->add_option("--split", split, "train | test")->default_val(default_split);
  app->add_option("--limit", limit, "Use only the first N samples (0 = all)")->default_val(0);
  app->add_flag_function(
      "--skip-unreadable", [this](int64_t) { unreadable = UnreadableFiles::skip; },
      "images:DIR: leave out the files that cannot be read as images (damaged, truncated, too large) and say "
      "how many, instead of stopping at the first");
  if (class_filter)
    app->add_option_function<std::string>(
           "--normal-class,--class",
           [this](const std::string& text) {
             const bool number = !text.empty() && std::all_of(text.begin(), text.end(), ::isdigit);
             if (number && text.size() < 10) only_class = std::stoll(text);
             else only_class_name = text;
           },
           "Use only the samples of class C (one-class training): its number, or its name (a CSV's label word, "
           "a class folder's name)")
        ->type_name("C");
}

void DataOptions::add_image_options(CLI::App* app) {
  add_part_option<ColorMode>(app, "--color", layout.color,
                             "Image colours: keep (RGB if any file has colour) | rgb | gray")
      ->default_str("keep");
  app->add_option_function<std::string>(
         "--resize", [this](const std::string& text) { layout.set_size(text); },
         "Bring every image to WxH pixels (see --fit); needed when a folder's images differ in size")
      ->type_name("WxH");
  add_part_option<Fit>(app, "--fit", layout.fit,
                       "How --resize fits an image: crop (centre crop to the aspect) | pad | stretch")
      ->default_str("crop");
  app->add_option_function<std::string>(
         "--background", [this](const std::string& text) { layout.set_background(text); },
         "Colour under transparent pixels and --fit pad's border: white | black | #rrggbb")
      ->default_str("white");
}

void DataOptions::add_table_options(CLI::App* app) {
  auto names = [](std::vector<std::string>& target) {
    return [&target](const std::string& text) {
      std::stringstream list(text);
      for (std::string name; std::getline(list, name, ',');)
        if (!name.empty()) target.push_back(name);
    };
  };
  app->add_option_function<std::string>("--categorical", names(columns.words),
                                        "CSV columns (header names, comma-separated) read as categories even "
                                        "when every value is a number")
      ->type_name("COLS");
  app->add_option_function<std::string>("--numeric", names(columns.numbers),
                                        "CSV columns read as numbers: a word in one is an error")
      ->type_name("COLS");
  app->add_option_function<std::string>("--ignore", names(columns.ignore), "CSV columns left out")->type_name("COLS");
  add_part_option<Scaling>(app, "--scale", table.scaling,
                           "How a table's numbers are scaled: standard (mean, std) | robust (median, IQR) | "
                           "minmax")
      ->default_str("standard");
  app->add_option("--max-levels", table.max_levels,
                  "Per column of categories: the most frequent levels kept; the rest (and any level first seen "
                  "later) are 'other'")
      ->default_val(20);
}

void DataOptions::check_image_options() const {
  const ImageLayout plain;
  const bool changed = layout.color != plain.color || layout.resizes() || layout.fit != plain.fit ||
                       layout.background != plain.background;
  if (changed && DataSource::parse(data).kind != DataSource::Kind::images)
    throw Error("--color, --resize, --fit and --background read image files: --data " + data + " is not images:DIR");
  const bool table_choice = !columns.words.empty() || !columns.numbers.empty() || !columns.ignore.empty();
  if (table_choice && DataSource::parse(data).kind != DataSource::Kind::csv)
    throw Error("--categorical, --numeric and --ignore read CSV columns: --data " + data + " is not csv:FILE");
}

RawData DataOptions::load() {
  if (limit < 0) throw Error("--limit must be >= 0");
  const bool one_class = only_class >= 0 || !only_class_name.empty();
  if (unreadable == UnreadableFiles::skip && DataSource::parse(data).kind != DataSource::Kind::images)
    throw Error("--skip-unreadable reads image folders: --data " + data + " is not images:DIR");
  RawData raw = load_raw(data, split, one_class ? 0 : limit, layout, columns, unreadable);
  raw.number_classes_as(class_names);
  if (!one_class) return raw;
  if (raw.labels.empty()) throw Error("--normal-class: --data " + data + " has no labels");
  if (!only_class_name.empty()) only_class = class_numbered(raw.label_names);
  const int64_t features = raw.features();
  int64_t kept = 0;
  for (int64_t i = 0; i < raw.count(); ++i) {
    if (raw.labels[i] != only_class) continue;
    std::copy_n(raw.values.begin() + i * features, features, raw.values.begin() + kept * features);
    raw.labels[kept] = raw.labels[i];
    if (!raw.paths.empty()) raw.paths[kept] = raw.paths[i];
    ++kept;
  }
  if (kept == 0)
    throw Error("--normal-class " + std::to_string(only_class) + ": no samples with that label in --data " + data);
  raw.values.resize(kept * features);
  raw.labels.resize(kept);
  if (!raw.paths.empty()) raw.paths.resize(kept);
  raw.truncate(limit);
  return raw;
}

std::string data_for_model(const LoadedModel& model, const std::string& given, bool was_given) {
  const std::string trained_on = model.meta.value("data", "");
  if (was_given || trained_on.empty() || trained_on == given || trained_on.find("arrays") == 0) return given;
  const std::string path = DataSource::parse(trained_on).input_path();
  std::error_code error;
  if (!path.empty() && !std::filesystem::exists(path, error))
    throw Error("--data not given, and the model's training data (--data " + trained_on +
                ") is not here (trained in another folder?): pass --data");
  log_line("--data " + trained_on + " (the model's training data; --data reads other data)");
  return trained_on;
}

void DataOptions::follow_model(const LoadedModel& model) {
  data = data_for_model(model, data, data_option == nullptr || data_option->count() > 0);
}

RawData DataOptions::load_as(const LoadedModel& model) {
  follow_model(model);
  DataOptions as_model = *this;
  as_model.layout = model.input_layout();
  if (model.normalization.table)
    as_model.columns = {model.normalization.table->names(true), model.normalization.table->names(false), {}};
  as_model.class_names = model.meta.value("label_names", std::vector<std::string>{});
  RawData raw = as_model.load();
  only_class = as_model.only_class;
  return raw;
}

Dataset DataOptions::load_for(const LoadedModel& model) { return prepare_for(load_as(model), model); }

Dataset DataOptions::prepare_for(RawData raw, const LoadedModel& model) const {
  return prepare_input(std::move(raw), model, invert, "--data " + data);
}

Interrupted resume_hint(const Interrupted& e, const std::string& checkpoint, int epochs_done,
                        const std::string& command) {
  if (checkpoint.empty())
    return Interrupted(std::string(e.what()) + ", before the first checkpoint: nothing to resume, start again");
  return Interrupted(std::string(e.what()) + "; the checkpoint " + checkpoint + " holds epoch " +
                     std::to_string(epochs_done) + ": resume with " + command + " --resume " + checkpoint);
}

RawData numbers_only(RawData raw, const std::string& command) {
  for (size_t f = 0; f < raw.table.names.size(); ++f)
    if (raw.table.is_words[f])
      throw Error("--data: column '" + raw.table.names[f] + "' holds words; latent " + command +
                  " reads numbers only (latent train reads words)");
  raw.table = {};
  return raw;
}

void add_invert_option(CLI::App* app, bool& invert) {
  app->add_flag("--invert", invert, "Invert images (x -> 255 - x) first: dark digits on a light background");
}

Dataset prepare_input(RawData raw, const LoadedModel& model, bool invert, const std::string& what) {
  if (model.normalization.table) {
    if (invert) throw Error("--invert applies to images; " + what + " is a table");
    try {
      return make_dataset(std::move(raw), model.normalization);
    } catch (const Error& e) {
      throw Error(what + ": " + e.what());
    }
  }
  if (raw.features() != model.model->spec().input_size()) {
    const auto& shape = raw.sample_shape;
    throw Error(what + ": " +
                (shape.size() == 3 ? std::to_string(shape[2]) + "x" + std::to_string(shape[1]) + " pixels"
                                   : std::to_string(raw.features()) + " values") +
                ", the model expects " + std::to_string(model.model->spec().input_size()) + " values");
  }
  if (invert) model.normalization.flip(raw.values);
  if (model.input_profile)
    for (const std::string& warning : model.input_profile->warnings(raw, invert ? "drop --invert" : "pass --invert"))
      std::cerr << "latent: warning: " << what << ": " << warning << "\n";
  return make_dataset(std::move(raw), model.normalization);
}

torch::Tensor load_image_query(const std::string& path, const LoadedModel& model, bool invert) {
  return prepare_input(read_image_file(path, model.input_layout()), model, invert, path).x;
}

Dataset DataOptions::open_for(const LoadedModel& model) {
  follow_model(model);
  std::shared_ptr<const PackFile> pack = image_pack();
  if (!pack) return load_for(model);
  const torch::Tensor rows = pack_rows(*pack);
  // Its size and its first samples against the model, as prepare_input checks data in memory.
  prepare_for(pack->read(leading_rows(rows, 1000)), model);
  return map_pack(pack, rows, model.normalization, invert);
}

std::vector<int64_t> leading_rows(const torch::Tensor& rows, int64_t n) {
  const int64_t* first = rows.data_ptr<int64_t>();
  return {first, first + std::min(n, rows.size(0))};
}

std::shared_ptr<const PackFile> DataOptions::image_pack() const {
  const DataSource source = DataSource::parse(data);
  if (source.kind != DataSource::Kind::pack) return nullptr;
  auto pack = std::make_shared<const PackFile>(source.location);
  return pack->header().is_image ? pack : nullptr;
}

torch::Tensor DataOptions::pack_rows(const PackFile& pack) {
  if (limit < 0) throw Error("--limit must be >= 0");
  if (!only_class_name.empty()) only_class = class_numbered(pack.header().label_names);
  std::vector<int64_t> rows;
  if (only_class < 0) {
    rows.resize(static_cast<size_t>(limit > 0 ? std::min(limit, pack.count()) : pack.count()));
    std::iota(rows.begin(), rows.end(), 0);
  } else {
    const std::vector<int64_t> labels = pack.labels();
    if (labels.empty()) throw Error("--normal-class: --data " + data + " has no labels");
    for (int64_t i = 0; i < pack.count() && (limit == 0 || static_cast<int64_t>(rows.size()) < limit); ++i)
      if (labels[static_cast<size_t>(i)] == only_class) rows.push_back(i);
    if (rows.empty())
      throw Error("--normal-class " + std::to_string(only_class) + ": no samples with that label in --data " + data);
  }
  return torch::tensor(rows, torch::kInt64);
}

int64_t DataOptions::class_numbered(const std::vector<std::string>& label_names) const {
  const auto found = std::find(label_names.begin(), label_names.end(), only_class_name);
  if (found != label_names.end()) return found - label_names.begin();
  std::string names;
  for (size_t i = 0; i < label_names.size() && i < 12; ++i) names += (i ? ", " : "") + label_names[i];
  throw Error("--normal-class " + only_class_name + ": --data " + data + " has no class of that name " +
              (names.empty() ? "(its classes are numbers)" : "(its classes: " + names + ")"));
}

std::string DataOptions::fingerprint(const RawData& raw) const {
  if (DataSource::parse(data).kind != DataSource::Kind::pack)
    return latent::fingerprint(raw.values.data(), raw.values.size() * sizeof(float));
  const PackFile pack(DataSource::parse(data).location);
  return "pack " + pack.header().fingerprint + " limit " + std::to_string(limit) + " class " +
         std::to_string(only_class);
}

InputFile DataOptions::input() const { return {"--data", DataSource::parse(data).input_path()}; }

torch::Tensor load_sample(const DataOptions& data, int64_t index, const LoadedModel& model) {
  if (index < 0) throw Error("--index must be >= 0");
  DataOptions first = data;
  first.limit = index + 1;
  Dataset loaded = first.load_for(model);
  if (loaded.size() <= index)
    throw Error("--index " + std::to_string(index) + ": --data " + first.data + " (" + data.split + ") has only " +
                std::to_string(loaded.size()) + " samples");
  return loaded.x.slice(0, index, index + 1);
}

std::vector<int64_t> parse_sizes(const std::string& flag, const std::string& text) {
  const Error usage(flag + " '" + text + "': expected sizes separated by commas, like 1000,500,250");
  std::optional<std::vector<double>> values = parse_numbers(text);
  if (!values) throw usage;
  std::vector<int64_t> widths;
  for (double v : *values) {
    if (v != std::floor(v) || v < 0 || v > 1e9) throw usage;
    widths.push_back(static_cast<int64_t>(v));
  }
  return widths;
}

void add_activation_options(CLI::App* app, ModelSpec& spec, const std::string& when) {
  add_part_option<Activation>(app, "--activation", spec.activation,
                              when + "Hidden activation: relu | sigmoid | tanh | selu")
      ->default_str("relu");
  add_part_option<Activation>(app, "--code-activation", spec.code_activation,
                              when + "Code layer activation: linear | relu | sigmoid | tanh")
      ->default_str("linear");
}

void print_report(const nlohmann::json& report, bool as_json) {
  if (as_json) {
    std::cout << report.dump() << "\n";
    return;
  }
  for (const auto& [key, value] : report.items()) {
    std::cout << std::left << std::setw(18) << key << " ";
    if (value.is_number_float()) std::cout << std::setprecision(6) << value.get<double>() << "\n";
    else std::cout << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
  }
}

void write_pixel_grid(const std::string& path, std::vector<float> pixels, const LoadedModel& model, int64_t columns) {
  const auto& shape = model.model->spec().input_shape;
  if (shape.size() != 3 || (shape[0] != 1 && shape[0] != 3))
    throw Error(path +
                ": a picture needs image data (the model's input is not a grey or RGB image); write .npy instead");
  const int64_t count = static_cast<int64_t>(pixels.size()) / model.model->spec().input_size();
  for (float& v : pixels) v /= 255.0f;
  write_image_grid(path, pixels, count, {shape[0], shape[1], shape[2]}, columns);
}

void write_grid(const std::string& path, const torch::Tensor& images, const LoadedModel& model, int64_t columns) {
  std::vector<float> pixels = tensor_values(images);
  model.normalization.invert(pixels, images.size(1));
  write_pixel_grid(path, std::move(pixels), model, columns);
}

RawData indexed_data(const IndexInfo& info, const LoadedModel& model) {
  DataOptions selection;
  selection.data = info.data;
  selection.split = info.split;
  selection.only_class = info.only_class;
  selection.limit = info.limit;
  RawData raw = selection.load_as(model);
  if (!info.data_fingerprint.empty() && selection.fingerprint(raw) != info.data_fingerprint)
    throw Error("--data " + info.data + " is not the data the index was built from: it changed since");
  return raw;
}

CodeIndex load_index(const std::string& path) {
  return EntryStore::is_store(path) ? MutableIndex::read_all(path) : CodeIndex::load(path);
}

LoadedModel load_model_for_index(const CodeIndex& index, const std::string& model_path) {
  const std::string& path = model_path.empty() ? index.info().model_path : model_path;
  LoadedModel model = load_model(path);
  if (model.fingerprint != index.info().model_fingerprint)
    throw Error("model " + path + " (fingerprint " + model.fingerprint +
                ") is not the model this index was built with (" + index.info().model_fingerprint +
                "); rebuild the index or pass that model");
  return model;
}

void write_raw_matrix(const std::string& path, const torch::Tensor& values, const LoadedModel& model) {
  std::vector<float> raw = tensor_values(values);
  model.normalization.invert(raw, values.size(1));
  write_matrix(path, Matrix{values.size(0), values.size(1), std::move(raw)});
}

void check_output_extension(const std::string& path, const std::vector<std::string>& allowed, const std::string& flag) {
  for (const auto& ext : allowed)
    if (path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0) return;
  std::string list;
  for (const auto& ext : allowed) list += (list.empty() ? "" : ", ") + ext;
  throw Error(flag + " " + path + ": expected a file ending in " + list);
}

}  // namespace latent::cli
