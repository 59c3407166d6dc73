// The facade's Model: a loaded or freshly trained autoencoder behind arrays of floats.
#include <algorithm>
#include <cmath>
#include <mutex>
#include <sstream>

#include "api/facade_parts.h"
#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/base/worker_pool.h"
#include "latent/io/container.h"
#include "latent/model/code_head.h"
#include "latent/model/evaluate.h"
#include "latent/runtime/threads.h"
#include "latent/train/train_recipe.h"
#include "latent/train/trainer.h"
#include "latent_version.h"

namespace latent::api {
namespace {

std::once_flag g_threads_once, g_quiet_once;

ModelType model_type(CodeKind kind) {
  switch (kind) {
    case CodeKind::variational:
      return ModelType::vae;
    case CodeKind::bits:
      return ModelType::binary;
    case CodeKind::numbers:
      break;
  }
  return ModelType::ae;
}

std::shared_ptr<Model::State> state_from_file(std::string file, const std::string& name) {
  auto state = std::make_shared<Model::State>();
  state->loaded = model_from_file_bytes(file, name);
  state->loaded.model->eval();
  state->file = std::move(file);
  return state;
}

torch::Tensor normalised(const Model::State& state, MatrixView x) {
  return make_dataset(raw_rows(x, state.loaded.normalization, "the rows"), state.loaded.normalization).x;
}

// The codes of x, a block of rows at a time straight from the caller's array: no normalised copy
// of the whole array, and each block is still in the cache when the encoder reads it. The
// training pool's threads take a share of the rows each, unless it is busy (another caller).
Matrix codes_of(Model::State& state, MatrixView x) {
  const ModelSpec& spec = state.loaded.model->spec();
  if (x.rows <= 0 || x.cols <= 0 || x.data == nullptr) throw Error("the rows: no rows");
  if (!state.loaded.normalization.table && x.cols != spec.input_size())
    throw Error("the rows have " + std::to_string(x.cols) + " values, the model expects " +
                std::to_string(spec.input_size()));
  constexpr int64_t kBlock = 256;
  Matrix codes{x.rows, spec.latent, std::vector<float>(static_cast<size_t>(x.rows * spec.latent))};
  const auto part = [&](int t, int parts) {
    const auto [begin, end] = part_of(x.rows, t, parts);
    for (int64_t start = begin; start < end; start += kBlock) {
      const MatrixView block{x.data + start * x.cols, std::min(kBlock, end - start), x.cols};
      const torch::Tensor block_codes = encode_all(state.loaded.model, normalised(state, block)).contiguous();
      TORCH_CHECK(block_codes.size(1) == spec.latent, "codes_of: the encoder's output is not the code");
      std::copy_n(block_codes.data_ptr<float>(), block_codes.numel(), codes.values.data() + start * spec.latent);
    }
  };
  const int parts = static_cast<int>(std::clamp<int64_t>(x.rows / kBlock, 1, training_pool().size()));
  if (parts == 1 || !training_pool().try_run([&](int t) {
        if (t < parts) part(t, parts);
      }))
    part(0, 1);
  return codes;
}

/// Rows to train on: no infinite value; no missing value (NaN) in pixels, no row of a table with
/// every cell missing.
void check_cells(const std::vector<float>& values, int64_t cols, bool pixels) {
  for (size_t i = 0; i < values.size(); i += static_cast<size_t>(cols)) {
    bool observed = false;
    for (size_t c = 0; c < static_cast<size_t>(cols); ++c) {
      if (std::isinf(values[i + c]))
        throw Error("x: row " + std::to_string(i / cols + 1) + ", column " + std::to_string(c + 1) + " is infinite");
      if (pixels && std::isnan(values[i + c]))
        throw Error("x: row " + std::to_string(i / cols + 1) + ", column " + std::to_string(c + 1) +
                    " is not a number (NaN)");
      observed = observed || !std::isnan(values[i + c]);
    }
    if (!observed) throw Error("x: every value of row " + std::to_string(i / cols + 1) + " is missing (NaN)");
  }
}

std::string setting_text(const std::vector<int64_t>& widths) {
  std::string text;
  for (const int64_t width : widths) text += (text.empty() ? "" : ",") + std::to_string(width);
  return text;
}

template <class T>
std::string setting_text(const T& value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

/// A setting given (not empty, not 0), else the recipe's, else the library's default. What the
/// recipe chose goes into `taken` as `latent train` records it ("--epochs 40"), for `latent info`.
template <class T>
T chosen(const T& given, const std::optional<T>& recipe, const T& fallback, const char* flag,
         std::vector<std::string>& taken) {
  if (given != T{}) return given;
  if (!recipe) return fallback;
  taken.push_back(std::string(flag) + " " + setting_text(*recipe));
  return *recipe;
}

}  // namespace

std::string version() { return LATENT_VERSION; }
int model_format() { return static_cast<int>(kContainerVersion); }

void set_threads(int threads) {
  std::call_once(g_threads_once, [] {});
  configure_threads(threads);
}

void ensure_threads() {
  std::call_once(g_threads_once, [] { configure_threads(0); });
  std::call_once(g_quiet_once, [] { set_quiet(true); });
}

void show_progress(bool on) {
  std::call_once(g_quiet_once, [] {});
  set_quiet(!on);
}

RawData raw_rows(MatrixView x, const Normalization& norm, const std::string& what) {
  if (x.rows <= 0 || x.cols <= 0 || x.data == nullptr) throw Error(what + ": no rows");
  RawData raw;
  raw.values.assign(x.data, x.data + x.rows * x.cols);
  raw.sample_shape = {x.cols};
  raw.is_image = norm.unit_range();
  if (norm.table) {
    raw.table.names = norm.table->names(false);
    if (!norm.table->names(true).empty())
      throw Error("this model's table has columns of words ('" + norm.table->names(true).front() +
                  "'): give it the CSV file (score_csv)");
    if (static_cast<int64_t>(raw.table.names.size()) != x.cols)
      throw Error(what + " have " + std::to_string(x.cols) + " columns, the model's table " +
                  std::to_string(raw.table.names.size()));
    raw.table.words.resize(raw.table.names.size());
    raw.table.is_words.assign(raw.table.names.size(), false);
  }
  return raw;
}

RawData csv_table(const Normalization& norm, const std::string& path) {
  CsvOptions options;
  if (norm.table) options.columns = {norm.table->names(true), norm.table->names(false), {}};
  return read_csv(path, options);
}

Matrix to_matrix(const torch::Tensor& values) {
  const torch::Tensor rows = values.to(torch::kFloat32).contiguous();
  return {rows.size(0), rows.size(1), tensor_values(rows)};
}

Model::Model(std::shared_ptr<State> state) : state_(std::move(state)) {}

Model Model::load(const std::string& path) {
  return guarded([&] { return Model(state_from_file(read_container_file(path), path)); });
}

namespace {

// Trains on rows already read and the normalisation fitted to them; the recipe fills what options
// leave unset, as `latent train` does.
Model trained(RawData raw, const Normalization& norm, const TrainOptions& options, nlohmann::json meta) {
  if (raw.count() < 2) throw Error("training needs at least 2 rows");
  RecipeTask task;
  task.table_width = norm.table ? norm.table->width() : 0;
  task.rows = raw.count();
  task.binary = options.kind == CodeKind::bits;
  const TrainRecipe recipe = recipe_for(task);
  std::vector<std::string> taken;
  ModelSpec spec;
  spec.input_shape = norm.table ? std::vector<int64_t>{norm.table->width()} : raw.sample_shape;
  spec.layers = chosen(options.layers, recipe.layers, spec.layers, "--layers", taken);
  spec.latent = chosen(options.code_size, recipe.latent, spec.latent, "--latent", taken);
  spec.set_type(model_type(options.kind), norm.unit_range());
  if (norm.table) {
    spec.output = Output::table;
    spec.table_blocks = norm.table->block_widths();
  }
  // Settings the library takes no option for: the recipe's whenever it has one.
  spec.bit_balance = chosen(0.0, recipe.bit_balance, spec.bit_balance, "--bit-balance", taken);
  spec.bit_decorrelation = chosen(0.0, recipe.bit_decorrelation, spec.bit_decorrelation, "--bit-decorrelation", taken);
  spec.neighbour_pull = chosen(0.0, recipe.neighbour_pull, spec.neighbour_pull, "--neighbour-pull", taken);
  spec.corrupt = CorruptionSpec::parse(chosen(std::string(), recipe.corrupt, spec.corrupt.str(), "--corrupt", taken));
  latent::TrainOptions train;
  train.epochs = chosen(options.epochs, recipe.epochs, train.epochs, "--epochs", taken);
  train.batch = chosen(options.batch, recipe.batch, train.batch, "--batch", taken);
  train.lr = chosen(options.learning_rate, recipe.lr, train.lr, "--lr", taken);
  train.seed = options.seed;
  train.validate();
  if (spec.code_head == CodeHead::binary) parse_noise_schedule("linear:0:4", train.epochs, spec);
  spec.validate();
  torch::manual_seed(options.seed);
  Autoencoder model(spec);
  Trainer trainer(model, train);
  auto [train_set, val_set] = split_validation(make_dataset(std::move(raw), norm), options.validation);
  meta["val"] = options.validation;
  meta["recipe"] = taken;
  // The best epoch's weights, as `latent train` keeps them.
  std::string best;
  auto model_file = [&] {
    torch::serialize::OutputArchive archive;
    write_model_fields(archive, trainer.model(), norm, meta);
    return pack_container("model", archive_bytes(archive));
  };
  trainer.fit(train_set, val_set, [&](const EpochStats&, bool improved) {
    if (improved) best = model_file();
  });
  if (best.empty()) best = model_file();
  return Model(state_from_file(std::move(best), "the trained model"));
}

}  // namespace

Model Model::train(MatrixView x, const TrainOptions& options) {
  return guarded([&] {
    ensure_threads();
    // Columns of numbers are a table's: each scaled on its own, a linear output, explainable scores.
    RawData raw;
    raw.values.assign(x.data, x.data + std::max<int64_t>(0, x.rows * x.cols));
    raw.sample_shape = {x.cols};
    raw.is_image = options.pixels;
    if (!options.pixels)
      for (int64_t c = 0; c < x.cols; ++c) {
        raw.table.names.push_back("column " + std::to_string(c + 1));
        raw.table.words.emplace_back();
        raw.table.is_words.push_back(false);
      }
    if (x.rows < 2 || x.cols < 1 || x.data == nullptr) throw Error("training needs at least 2 rows of numbers");
    check_cells(raw.values, x.cols, options.pixels);
    const Normalization norm = Normalization::fit(raw);
    return trained(std::move(raw), norm, options, {{"data", "arrays (latent::api::Model::train)"}});
  });
}

Model Model::train_csv(const std::string& path, const TrainOptions& options, const std::string& label) {
  return guarded([&] {
    ensure_threads();
    if (options.pixels) throw Error("train_csv reads a table: pixels must be false");
    CsvOptions csv;
    csv.label = label;
    RawData raw = read_csv(path, csv);
    TableOptions table;
    table.leave_out_identifiers = true;
    const Normalization norm = Normalization::fit(raw, table);
    // The CLI reads the same file when given this model and no --data; other files number their
    // classes as this one does.
    nlohmann::json meta = {{"data", "csv:" + path + ",label=" + label}};
    if (!raw.label_names.empty()) meta["label_names"] = raw.label_names;
    return trained(std::move(raw), norm, options, std::move(meta));
  });
}

void Model::save(const std::string& path) const {
  guarded([&] { write_file_atomic(path, state_->file); });
}

int64_t Model::input_size() const { return state_->loaded.model->spec().input_size(); }
int64_t Model::code_size() const { return state_->loaded.model->spec().latent; }

CodeKind Model::code_kind() const {
  switch (state_->loaded.model->spec().code_head) {
    case CodeHead::gaussian:
      return CodeKind::variational;
    case CodeHead::binary:
      return CodeKind::bits;
    case CodeHead::plain:
      break;
  }
  return CodeKind::numbers;
}

std::string Model::summary() const {
  const ModelSpec& spec = state_->loaded.model->spec();
  return spec.shape_string() + " (" + name_of(spec.type()) + ")";
}

Matrix Model::encode(MatrixView x) const {
  return guarded([&] {
    ensure_threads();
    return codes_of(*state_, x);
  });
}

Matrix Model::decode(MatrixView codes) const {
  return guarded([&] {
    ensure_threads();
    if (codes.cols != code_size() || codes.rows <= 0 || codes.data == nullptr)
      throw Error("codes have " + std::to_string(codes.cols) + " numbers a row, the model's " +
                  std::to_string(code_size()));
    const torch::Tensor in =
        torch::from_blob(const_cast<float*>(codes.data), {codes.rows, codes.cols}, torch::kFloat32).clone();
    Matrix out = to_matrix(decode_all(state_->loaded.model, in));
    state_->loaded.normalization.invert(out.values, out.cols);
    return out;
  });
}

Matrix Model::reconstruct(MatrixView x) const {
  return guarded([&] {
    const Matrix codes = encode(x);
    return decode(codes.view());
  });
}

std::string Model::fill_csv(const std::string& path) const {
  return guarded([&] {
    ensure_threads();
    LoadedModel& loaded = state_->loaded;
    if (!loaded.normalization.table)
      throw Error("fill_csv fills a table's blanks: the model was not trained on a table");
    const RawData given = csv_table(loaded.normalization, path);
    const torch::Tensor x = make_dataset(RawData(given), loaded.normalization).x;
    const torch::Tensor recon = decode_all(loaded.model, encode_all(loaded.model, x));
    return loaded.normalization.table->fill_csv(tensor_values(recon), given);
  });
}

Matrix Model::encode_images(const std::vector<std::string>& paths) const {
  return guarded([&] {
    ensure_threads();
    if (paths.empty()) throw Error("no image files");
    LoadedModel& loaded = state_->loaded;
    std::vector<float> values;
    for (const std::string& path : paths) {
      RawData image = read_image_file(path, loaded.input_layout());
      if (image.features() != input_size())
        throw Error(path + ": " + std::to_string(image.features()) + " values, the model expects " +
                    std::to_string(input_size()));
      values.insert(values.end(), image.values.begin(), image.values.end());
    }
    RawData raw;
    raw.values = std::move(values);
    raw.sample_shape = loaded.model->spec().input_shape;
    raw.is_image = true;
    return to_matrix(encode_all(loaded.model, make_dataset(std::move(raw), loaded.normalization).x));
  });
}

}  // namespace latent::api
