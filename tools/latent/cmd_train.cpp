// latent train: fit an autoencoder; the best model so far is always on disk at --out.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <type_traits>

#include "commands.h"
#include "common.h"
#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/base/interrupt.h"
#include "latent/base/progress.h"
#include "latent/io/container.h"
#include "latent/io/data_source.h"
#include "latent/io/regularizer_spec.h"
#include "latent/model/code_head.h"
#include "latent/model/evaluate.h"
#include "latent/train/train_recipe.h"
#include "latent/train/trainer.h"
#include "parallel_cli.h"

namespace latent::cli {
namespace {

// Which class each label names: ", classes: no=0, yes=1".
std::string label_words(const std::vector<std::string>& names) {
  if (names.empty()) return "";
  std::string list = ", classes:";
  for (size_t i = 0; i < names.size() && i < 10; ++i) list += (i ? ", " : " ") + names[i] + "=" + std::to_string(i);
  return list + (names.size() > 10 ? ", ... (" + std::to_string(names.size()) + " classes)" : "");
}

// What a table's reading decided that a user would otherwise not see: numbers read from formatted
// cells or dates, infinities read as missing, columns left out as identifiers, words beyond the
// levels kept.
std::vector<std::string> table_notes(const RawData& raw, const TableSchema& schema, int64_t max_levels) {
  std::vector<std::string> notes;
  std::string formatted, dates, levels;
  const TableColumns& table = raw.table;
  for (size_t f = 0; f < table.names.size(); ++f) {
    const std::string& name = table.names[f];
    if (f < table.reading.size() && table.reading[f].formatted > 0)
      formatted += (formatted.empty() ? "" : ", ") + name + " ('" + table.reading[f].example + "', " +
                   std::to_string(table.reading[f].formatted) + " cells)";
    if (f < table.reading.size() && table.reading[f].style.date) dates += (dates.empty() ? "" : ", ") + name;
    if (f < table.reading.size() && table.reading[f].infinite > 0)
      notes.push_back("column " + name + ": " + std::to_string(table.reading[f].infinite) +
                      " infinite cells read as missing");
    const bool used = std::find(schema.identifiers.begin(), schema.identifiers.end(), name) == schema.identifiers.end();
    if (used && table.is_words[f] && static_cast<int64_t>(table.words[f].size()) > max_levels)
      levels += (levels.empty() ? "" : ", ") + name + " (" + std::to_string(table.words[f].size()) + ")";
  }
  if (!formatted.empty()) notes.push_back("read as numbers from formatted cells: " + formatted);
  if (!dates.empty()) notes.push_back("read as dates (days since 1970-01-01): " + dates);
  if (!schema.identifiers.empty()) {
    std::string list;
    for (const std::string& name : schema.identifiers) list += (list.empty() ? "" : ", ") + name;
    notes.push_back("left out, as they only tell rows apart (an id, a row number, a different word in every row): " +
                    list + "; --numeric or --categorical NAME keeps one");
  }
  if (!levels.empty())
    notes.push_back("columns of more distinct words than --max-levels " + std::to_string(max_levels) +
                    " (the most frequent are kept, the rest read as 'other'): " + levels);
  return notes;
}

// Flags a resumed run takes from its checkpoint, each with the key of the JSON it is compared in:
// given with another value, they would silently change the run (or be ignored).
struct Fixed {
  const char* flag;
  enum { spec, options, meta } where;
  std::vector<std::string> keys;
};
const std::vector<Fixed> kFixedOnResume = {
    {"--layers", Fixed::spec, {"layers"}},
    {"--latent", Fixed::spec, {"latent"}},
    {"--bits", Fixed::spec, {"latent"}},
    {"--activation", Fixed::spec, {"activation"}},
    {"--code-activation", Fixed::spec, {"code_activation"}},
    {"--loss", Fixed::spec, {"loss"}},
    {"--arch", Fixed::spec, {"arch"}},
    {"--channels", Fixed::spec, {"channels"}},
    {"--corrupt", Fixed::spec, {"corrupt"}},
    {"--augment", Fixed::spec, {"augment"}},
    {"--sparsity", Fixed::spec, {"sparsity"}},
    {"--contractive", Fixed::spec, {"contractive"}},
    {"--type", Fixed::spec, {"code_head"}},
    {"--beta", Fixed::spec, {"beta"}},
    {"--kl-warmup", Fixed::spec, {"kl_warmup"}},
    {"--iw-train", Fixed::spec, {"iw_train"}},
    {"--binarize", Fixed::spec, {"binarize"}},
    {"--noise-schedule", Fixed::spec, {"noise_start", "noise_end", "noise_epochs"}},
    {"--bit-balance", Fixed::spec, {"bit_balance"}},
    {"--bit-decorrelation", Fixed::spec, {"bit_decorrelation"}},
    {"--neighbour-pull", Fixed::spec, {"neighbour_pull"}},
    {"--neighbours", Fixed::spec, {"neighbours"}},
    {"--batch", Fixed::options, {"batch"}},
    {"--lr", Fixed::options, {"lr"}},
    {"--optimizer", Fixed::options, {"optimizer"}},
    {"--momentum", Fixed::options, {"momentum"}},
    {"--weight-decay", Fixed::options, {"weight_decay"}},
    {"--schedule", Fixed::options, {"schedule"}},
    {"--patience", Fixed::options, {"patience"}},
    {"--seed", Fixed::options, {"seed"}},
    {"--data", Fixed::meta, {"data"}},
    {"--limit", Fixed::meta, {"limit"}},
    {"--val", Fixed::meta, {"val"}},
    {"--split", Fixed::meta, {"split"}},
    {"--normal-class", Fixed::meta, {"normal_class"}},
    {"--init", Fixed::meta, {"init"}},
    {"--color", Fixed::meta, {"image_layout"}},
    {"--resize", Fixed::meta, {"image_layout"}},
    {"--fit", Fixed::meta, {"image_layout"}},
    {"--background", Fixed::meta, {"image_layout"}},
    {"--categorical", Fixed::meta, {"table_options"}},
    {"--numeric", Fixed::meta, {"table_options"}},
    {"--ignore", Fixed::meta, {"table_options"}},
    {"--scale", Fixed::meta, {"table_options"}},
    {"--max-levels", Fixed::meta, {"table_options"}},
};

struct TrainCommand {
  RuntimeOptions runtime;
  DataOptions data;
  double val_fraction = 0.1;
  std::string layers;
  std::string channels = "32,64", corrupt = "none", augment = "none", sparsity = "none";
  ModelSpec spec;
  TrainOptions options;
  std::string out, checkpoint, resume, log, init;
  bool overwrite = false;
  std::string previous_out;  ///< resume: the model file the checkpoint's run wrote
  ModelType type = ModelType::ae;
  std::optional<Loss> loss;  ///< default: the one that goes with the data
  ParallelCli parallel;
  std::string noise_schedule = "linear:0:4";
  int64_t bits = 0;

  /// The model the flags describe, for data of this shape normalised by `norm`.
  ModelSpec spec_from_flags(const std::vector<int64_t>& input_shape, const Normalization& norm) const {
    ModelSpec wanted = spec;
    wanted.input_shape = norm.table ? std::vector<int64_t>{norm.table->width()} : input_shape;
    wanted.layers = parse_sizes("--layers", layers);
    if (wanted.arch == Arch::conv) wanted.channels = parse_sizes("--channels", channels);
    wanted.corrupt = CorruptionSpec::parse(corrupt);
    wanted.augment = AugmentSpec::parse(augment);
    wanted.sparsity = SparsitySpec::parse(sparsity);
    wanted.set_type(type, norm.unit_range(), loss);
    if (norm.table) {
      wanted.output = Output::table;
      wanted.table_blocks = norm.table->block_widths();
    }
    if (bits != 0 && type != ModelType::binary)
      throw Error("--bits needs --type binary (use --latent for float codes)");
    if (type == ModelType::binary) {
      if (bits != 0) wanted.latent = bits;
      parse_noise_schedule(noise_schedule, options.epochs, wanted);
    }
    return wanted;
  }

  nlohmann::json settings_meta() const {
    nlohmann::json meta = {{"data", data.data},
                           {"limit", data.limit},
                           {"val", val_fraction},
                           {"split", data.split},
                           {"normal_class", data.only_class},
                           {"init", init}};
    // Every later image (queries, uploads, folders to index) is read this way.
    if (DataSource::parse(data.data).kind == DataSource::Kind::images) meta["image_layout"] = data.layout.to_json();
    if (const auto pack = data.image_pack()) meta["image_layout"] = pack->header().layout.to_json();
    if (DataSource::parse(data.data).kind == DataSource::Kind::csv)
      meta["table_options"] = {{"categorical", data.columns.words},
                               {"numeric", data.columns.numbers},
                               {"ignore", data.columns.ignore},
                               {"scale", name_of(data.table.scaling)},
                               {"max_levels", data.table.max_levels}};
    return meta;
  }

  /// A resumed run is the checkpoint's run: its data, model and options come from the checkpoint,
  /// and flags that say otherwise are refused. What may change (--epochs, --out, --checkpoint,
  /// --log) is applied here and recorded in `meta`, so the next resume continues with it too.
  void adopt_checkpoint(Trainer& trainer, const Normalization& norm, nlohmann::json& meta, CLI::App* sub,
                        bool* own_out) {
    const ModelSpec& have = trainer.model()->spec();
    TrainOptions wanted_options = options;
    wanted_options.seed = runtime.seed;
    // --normal-class NAME: the number the checkpoint's run gave that name (none: a difference).
    if (!data.only_class_name.empty() && meta.contains("label_names"))
      for (size_t i = 0; i < meta["label_names"].size(); ++i)
        if (meta["label_names"][i] == data.only_class_name) data.only_class = static_cast<int64_t>(i);
    const nlohmann::json have_json[] = {have.to_json(), trainer.options().to_json(), meta};
    nlohmann::json want_json[] = {nlohmann::json(), wanted_options.to_json(), settings_meta()};
    std::string differ;
    for (const Fixed& fixed : kFixedOnResume) {
      if (sub->get_option(fixed.flag)->count() == 0) continue;
      if (fixed.where == Fixed::spec && want_json[0].is_null())
        want_json[0] = spec_from_flags(have.input_shape, norm).to_json();
      for (const std::string& key : fixed.keys) {
        const nlohmann::json& had = have_json[fixed.where];
        // Checkpoints from before a setting was recorded: the flag is taken (as it was then).
        if (!had.contains(key) || had[key] == want_json[fixed.where][key]) continue;
        differ += (differ.empty() ? "" : ", ") + std::string(fixed.flag) + " (checkpoint: " + had[key].dump() + ")";
        break;
      }
    }
    if (!differ.empty())
      throw Error("--resume " + resume + ": the checkpoint's run has other settings: " + differ +
                  "; drop these flags or start a new run");
    data.data = meta.at("data");
    data.limit = meta.at("limit");
    val_fraction = meta.at("val");
    if (meta.contains("split")) data.split = meta.at("split");
    if (meta.contains("normal_class")) data.only_class = meta.at("normal_class");
    if (meta.contains("init")) init = meta.at("init");
    if (meta.contains("image_layout")) data.layout = ImageLayout::from_json(meta.at("image_layout"));
    if (sub->get_option("--epochs")->count() > 0) trainer.mutable_options().epochs = options.epochs;
    const std::string recorded_out = meta.value("out", "");
    *own_out = out.empty() || recorded_out.empty() || same_file(out, recorded_out);
    if (out.empty()) out = recorded_out;
    previous_out = recorded_out;
    if (out.empty())
      throw Error("--resume " + resume + ": the checkpoint does not say where its model goes; give --out");
    if (sub->get_option("--log")->count() == 0) log = meta.value("log", "");
  }

  /// The recipe measured for this kind of run (train_recipe.h), in each setting not given. With
  /// --init the model's shape is the initial model's to choose. Returns the flags it set, for the
  /// first line and `latent info`.
  std::vector<std::string> take_recipe(CLI::App* sub, const Normalization& norm, const RawData& raw, int64_t rows,
                                       bool packed) {
    RecipeTask task;
    task.table_width = norm.table ? norm.table->width() : 0;
    task.rows = rows;
    task.binary = type == ModelType::binary;
    task.one_class = type == ModelType::ae && data.only_class >= 0;
    task.autoencoder = type == ModelType::ae;
    task.variational = type == ModelType::vae;
    if (sub->get_option("--arch")->count() > 0 || !init.empty()) task.arch = spec.arch;
    if (!norm.table) task.image_shape = raw.sample_shape;
    task.pull_possible = parallel.options.replicas <= 1 && parallel.options.processes.world_size <= 1 && !packed;
    const TrainRecipe recipe = recipe_for(task);
    std::vector<std::string> taken;
    const auto open = [&](const std::string& flag) {
      const bool shape = flag == "--layers" || flag == "--latent";
      return sub->get_option(flag)->count() == 0 && (init.empty() || !shape);
    };
    auto take = [&](const char* flag, auto& field, const auto& value) {
      if (!value || !open(flag)) return;
      field = *value;
      std::ostringstream text;
      text << flag << " ";
      if constexpr (std::is_enum_v<std::decay_t<decltype(*value)>>)
        text << name_of(*value);  // a part (--arch, --loss) by its name
      else text << *value;
      taken.push_back(text.str());
    };
    const auto sizes_text = [](const std::optional<std::vector<int64_t>>& sizes) {
      std::optional<std::string> text;
      if (!sizes) return text;
      text.emplace();
      for (const int64_t width : *sizes) *text += (text->empty() ? "" : ",") + std::to_string(width);
      return text;
    };
    take("--arch", spec.arch, recipe.arch);
    take("--channels", channels, sizes_text(recipe.channels));
    take("--layers", layers, sizes_text(recipe.layers));
    take("--latent", spec.latent, recipe.latent);
    take("--loss", loss, recipe.loss);
    take("--epochs", options.epochs, recipe.epochs);
    take("--batch", options.batch, recipe.batch);
    take("--lr", options.lr, recipe.lr);
    take("--bit-balance", spec.bit_balance, recipe.bit_balance);
    take("--bit-decorrelation", spec.bit_decorrelation, recipe.bit_decorrelation);
    take("--corrupt", corrupt, recipe.corrupt);
    take("--augment", augment, recipe.augment);
    take("--neighbour-pull", spec.neighbour_pull, recipe.neighbour_pull);
    return taken;
  }

  void run(CLI::App* sub) {
    Normalization norm;
    nlohmann::json meta;
    std::unique_ptr<Trainer> trainer;
    std::vector<std::string> recipe;  // the settings take_recipe chose
    bool own_out = false;             // --out is the file this run wrote before (resume)
    if (!resume.empty()) {
      trainer = std::make_unique<Trainer>(Trainer::resume(resume, norm, meta));
      adopt_checkpoint(*trainer, norm, meta, sub, &own_out);
    } else if (out.empty()) {
      throw Error("--out is required (or --resume CHECKPOINT)");
    }
    if (checkpoint.empty()) checkpoint = out + ".ckpt";
    // Before any rank starts or any data loads. The checkpoint being resumed is this run's own.
    const bool own_checkpoint = same_file(checkpoint, resume);
    check_outputs({{"--out", out, "model", !overwrite && !own_out},
                   {"--checkpoint", own_checkpoint ? "" : checkpoint, "checkpoint", !overwrite},
                   {"--log", log, ""}},
                  {{"--resume", resume}, {"--init", init}, data.input()});
    data.check_image_options();
    if (parallel.launch()) return;
    parallel.apply();
    runtime.apply();
    if (trainer) log_line("resuming " + resume + " after epoch " + std::to_string(trainer->state().epochs_done));

    // A pack of images stays on disk; its first samples stand in for the data where a sample
    // is enough (the normalisation of pixels needs none, the input profile a few thousand).
    const std::shared_ptr<const PackFile> pack = data.image_pack();
    const torch::Tensor pack_rows = pack ? data.pack_rows(*pack) : torch::Tensor();
    RawData raw = pack ? pack->read(leading_rows(pack_rows, 10000)) : data.load();
    if (!trainer) {
      TableOptions table = data.table;
      table.leave_out_identifiers = true;
      table.keep = data.columns.words;
      table.keep.insert(table.keep.end(), data.columns.numbers.begin(), data.columns.numbers.end());
      norm = Normalization::fit(raw, table);
      recipe = take_recipe(sub, norm, raw, pack ? pack_rows.size(0) : raw.count(), pack != nullptr);
      spec = spec_from_flags(raw.sample_shape, norm);
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
      meta = settings_meta();
      meta["recipe"] = recipe;
      // Other files of this data number their classes as these (a file may miss one).
      if (!raw.label_names.empty()) meta["label_names"] = raw.label_names;
      // Queries are checked against it; a table's rows are scored, and their odd values are the point.
      if (!norm.table) meta["input_profile"] = InputProfile::fit(raw).to_json();
      trainer = std::make_unique<Trainer>(model, options);
    } else if (!norm.table && raw.features() != trainer->model()->spec().input_size()) {
      throw Error("--data no longer matches the checkpoint's model");
    }
    // Which columns a table gave, said with the first line of a run that starts (not before an error).
    std::string columns;
    std::vector<std::string> notes;
    if (norm.table && DataSource::parse(data.data).kind == DataSource::Kind::csv) {
      columns = " (" + std::to_string(norm.table->columns.size()) + " feature columns, " +
                (raw.label_column.empty() ? "no label column: name one with label=NAME"
                                          : "labels from column " + raw.label_column) +
                label_words(raw.label_names) + ")";
      notes = table_notes(raw, *norm.table, data.table.max_levels);
    }
    // anomaly fit calibrates on the rows this run holds out when it is given the same data.
    meta["data_fingerprint"] = data.fingerprint(raw);
    // Where this run's files go, recorded so that a resume writes the same ones.
    meta["train_options"] = trainer->options().to_json();
    meta["out"] = std::filesystem::absolute(out).string();
    meta["log"] = log.empty() ? "" : std::filesystem::absolute(log).string();
    trainer->set_checkpoint(checkpoint, norm, meta);
    auto [train_set, val_set] =
        split_validation(pack ? map_pack(pack, pack_rows, norm) : make_dataset(std::move(raw), norm), val_fraction);
    log_line("training " + trainer->model()->spec().shape_string() + " (" +
             std::to_string(trainer->model()->parameter_count()) + " parameters) on " +
             std::to_string(train_set.size()) + " samples" + columns + ", validating on " +
             std::to_string(val_set.size()));
    for (const std::string& note : notes) log_line(note);
    if (!recipe.empty()) {
      std::string flags;
      for (const std::string& flag : recipe) flags += " " + flag;
      log_line("the recipe for this data and --type set (a flag overrides each):" + flags);
    }

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
    bool saved = false;
    std::string holding = resume;  // the checkpoint that holds the last finished epoch
    catch_interrupts();
    try {
      trainer->fit(train_set, val_set, [&](const EpochStats& stats, bool improved) {
        if (log_file.is_open()) log_file << stats.to_json().dump() << std::endl;
        if (!writer) return;
        holding = checkpoint;  // fit writes it right after this
        if (!improved) return;
        nlohmann::json saved_meta = meta;
        saved_meta["epoch"] = stats.epoch;
        saved_meta["train_loss"] = stats.train_loss;
        if (!std::isnan(stats.val_loss)) saved_meta["val_loss"] = stats.val_loss;
        save_model(out, trainer->model(), norm, saved_meta);
        saved = true;
      });
    } catch (const Interrupted& e) {
      throw resume_hint(e, holding, trainer->state().epochs_done, "latent train");
    }
    const TrainState& state = trainer->state();
    if (!saved && !own_out) {
      // Resumed into a new --out and no epoch beat the checkpoint's best: say so, claim nothing.
      log_line("no epoch beat the best model so far (epoch " + std::to_string(state.best_epoch) + ", in " +
               previous_out + "); " + out + " was not written");
      return;
    }
    const int selectable_from = first_selectable_epoch(trainer->model()->spec(), trainer->options().epochs);
    const std::string among =
        selectable_from > 1 ? " of epochs " + std::to_string(selectable_from) + "+ (after the noise ramp)" : "";
    const bool bits = trainer->model()->spec().code_head == CodeHead::binary && !val_set.empty();
    const std::string criterion = bits ? " loss of the thresholded bits" : " loss";
    log_line("saved the best model" + among + " (epoch " + std::to_string(state.best_epoch) + ", " +
             (val_set.empty() ? "training" : "validation") + criterion + " " + std::to_string(state.best_loss) +
             ") to " + out);
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
      "thresholded bits. Then: latent index build (a Hamming hash table), latent search --hamming-radius R.\n"
      "Recipes: settings not given take the values measured best for the job (bench/), printed after the\n"
      "first line and kept in the model (latent info). Tables: --layers 64, --latent 8 (at most half the\n"
      "columns), epochs for ~500,000 rows seen. --type binary: --layers 1000,500,250 --batch 256 --lr 2e-3\n"
      "--bit-balance 0.1 --bit-decorrelation 1 --corrupt gaussian:0.1 --neighbour-pull 2 (up to 200,000\n"
      "images in memory, one replica). --normal-class on images: --layers 128 --latent 16 --batch 64.\n"
      "Pictures in colour or larger than 32x32 (no --arch given; not --normal-class): --arch conv\n"
      "--channels 32,64,... (doubling to 256, one per halving of the larger side down to 4) --latent 64\n"
      "--loss mse (a VAE keeps bce) --augment flip,shift:S,color:0.1 (S: a 16th of the smaller side);\n"
      "--type binary: the same conv model with its bits and the binary recipe's penalties, no neighbour pull.\n"
      "Such pictures, or --arch conv for an autoencoder or VAE, on fewer than 12,800 images: --batch\n"
      "rows/100 (at least 16) and epochs for ~500,000 images seen (at most 300).");
  cmd->data.add_to(sub, "train");
  cmd->data.add_image_options(sub);
  cmd->data.add_table_options(sub);
  sub->add_option("--val", cmd->val_fraction,
                  "Fraction of the training data held out for validation (and for `anomaly fit` to calibrate on)")
      ->default_val(0.1);
  sub->add_option("--layers", cmd->layers,
                  "Hidden layer sizes, e.g. 1000,500,250 (empty: input -> code -> output; recipes below set others)")
      ->default_val("");
  sub->add_option("--latent", cmd->spec.latent, "Code size (tables: 8, at most half the encoded columns)")
      ->default_val(32);
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
  sub->add_option("--augment", cmd->augment,
                  "Images: transform each batch afresh, input and target alike. none | a comma list of flip "
                  "(mirror half the images) | shift:PIXELS (move up to PIXELS each way) | color:AMOUNT (scale and "
                  "offset each channel by up to AMOUNT), e.g. flip,shift:4,color:0.1")
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
  sub->add_option("--iw-train", cmd->spec.iw_train,
                  "vae: train on the importance-weighted bound with K draws of z per image (IWAE, Burda et al. "
                  "2016; 1 = the ELBO). Tighter than the ELBO; each step decodes K codes per image")
      ->default_val(1);
  add_part_option<Binarize>(sub, "--binarize", cmd->spec.binarize,
                            "Images: none | dynamic (every pixel a fresh 0/1 draw with its grey value as the "
                            "probability, each batch, input and target alike; validation and `latent eval` "
                            "read one fixed draw)")
      ->default_str("none");
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
  sub->add_option("--epochs", cmd->options.epochs,
                  "Epochs (with --resume: the new total; tables: 500,000 rows seen, 10 to 100 epochs)")
      ->default_val(20);
  sub->add_option("--batch", cmd->options.batch, "Mini-batch size")->default_val(128);
  sub->add_option("--lr", cmd->options.lr, "Peak learning rate")->default_val(3e-3);
  add_part_option<Optimizer>(sub, "--optimizer", cmd->options.optimizer, "adam | sgd (with --momentum)")
      ->default_str("adam");
  sub->add_option("--momentum", cmd->options.momentum, "SGD momentum")->default_val(0.9);
  sub->add_option("--weight-decay", cmd->options.weight_decay, "L2 weight decay")->default_val(0.0);
  add_part_option<LrSchedule>(
      sub, "--schedule", cmd->options.schedule,
      "constant | cosine (decays to 0 over the run) | step (x0.1 at 50% and 75% of the epochs) | iwae "
      "(x10^(-i/7) for 3^i of 3,280 epochs, i = 0..7, scaled to the run: Burda et al. 2016)")
      ->default_str("cosine");
  sub->add_option("--patience", cmd->options.patience, "Stop after N epochs without a better validation loss (0 = off)")
      ->default_val(0);
  sub->add_option("--out", cmd->out,
                  "Model file to write (required; with --resume: default the run's own). An existing model is "
                  "replaced only with --overwrite");
  sub->add_flag("--overwrite", cmd->overwrite,
                "Replace an existing model at --out (and checkpoint at --checkpoint) with a new run");
  sub->add_option("--checkpoint", cmd->checkpoint, "Checkpoint written after every epoch (default: OUT.ckpt)");
  sub->add_option("--init", cmd->init,
                  "Start from this model file's weights wherever a layer has the same name and shape (e.g. a "
                  "trained float autoencoder's layers for a --type binary model of the same widths)");
  sub->add_option("--resume", cmd->resume,
                  "Continue from this checkpoint: model, optimizer, data, options, --out and --log come from it; "
                  "flags that differ from them are refused, except --epochs (a new total), --out, --checkpoint "
                  "and --log. Ctrl-C stops training between two steps and prints this command");
  sub->add_option("--log", cmd->log, "Write one JSON line per epoch to this file (a resumed run continues it)");
  cmd->runtime.add_to(sub);
  cmd->parallel.add_to(sub);
  sub->callback([cmd, sub] { cmd->run(sub); });
}

}  // namespace latent::cli
