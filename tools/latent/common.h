#pragma once
// Options and helpers shared by the subcommands.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "latent/base/error.h"
#include "latent/base/interrupt.h"
#include "latent/data/dataset.h"
#include "latent/io/model_parts.h"
#include "latent/io/raw_data.h"
#include "latent/model/evaluate.h"
#include "latent/model/model_file.h"
#include "latent/search/code_index.h"
#include "output_check.h"

namespace latent::cli {

/// --threads, --seed: set once at start-up, before any work.
struct RuntimeOptions {
  int threads = 0;
  uint64_t seed = 0;
  void add_to(CLI::App* app);
  void apply() const;
};

/// --data, --split, --limit, and (unless class_filter is false) --normal-class C, which keeps
/// only the samples labelled C: one-class training and detector fitting.
struct DataOptions {
  std::string data = "mnist";
  std::string split;
  int64_t limit = 0;
  int64_t only_class = -1;               ///< -1: all samples (or the class named only_class_name, once loaded)
  std::string only_class_name;           ///< --normal-class given as a class name
  std::vector<std::string> class_names;  ///< the model's classes: the data's are numbered as these
  bool invert = false;                   ///< --invert (add_invert_option): images x → 255 − x before normalisation
  ImageLayout layout;                    ///< how image files are read (add_image_options; a model's own otherwise)
  ColumnChoice columns;                  ///< how a CSV's columns are read (add_table_options; a model's own otherwise)
  UnreadableFiles unreadable = UnreadableFiles::refuse;  ///< --skip-unreadable: an image folder's damaged files
  TableOptions table;                                    ///< how a table's columns are encoded (add_table_options)
  const CLI::Option* data_option = nullptr;              ///< --data (add_to): whether it was given or left at mnist
  void add_to(CLI::App* app, const std::string& default_split, bool class_filter = true);
  /// --categorical, --numeric, --ignore, --scale, --max-levels: how a command that makes a model
  /// reads a table.
  void add_table_options(CLI::App* app);
  /// --color, --resize, --fit, --background: how a command that makes a model reads images.
  void add_image_options(CLI::App* app);
  /// Throws when image options were given for data that is not an image folder, or table options
  /// for data that is not a CSV.
  void check_image_options() const;
  /// Reads the data; a class named by --normal-class becomes only_class.
  RawData load();
  /// --data not given: takes the model's training data (data_for_model).
  void follow_model(const LoadedModel& model);
  /// Loads as the model reads (its image layout, its table's columns), not yet normalised; the
  /// model's training data when --data was not given.
  RawData load_as(const LoadedModel& model);
  /// Loads (images read as the model reads them) and normalises with the model's normalisation;
  /// checks the input size matches.
  Dataset load_for(const LoadedModel& model);
  /// The same for data already loaded.
  Dataset prepare_for(RawData raw, const LoadedModel& model) const;
  /// As load_for, but a pack of images stays on disk and is read batch by batch (commands that
  /// go through the data in order: train, encode, eval, index build and add).
  Dataset open_for(const LoadedModel& model);
  /// --data's pack when it is pack:FILE of images (read on demand), else null.
  std::shared_ptr<const PackFile> image_pack() const;
  /// The rows of `pack` that --normal-class and --limit keep (a class's name becomes its number).
  torch::Tensor pack_rows(const PackFile& pack);
  /// The number of --normal-class's name among `label_names`; Error naming the classes if none.
  int64_t class_numbered(const std::vector<std::string>& label_names) const;
  /// Identifies the samples loaded: a pack's recorded fingerprint and the rows kept (the pack is
  /// never read whole for it), else the FNV-1a of raw's values.
  std::string fingerprint(const RawData& raw) const;
  /// The file or folder --data reads (csv:FILE, idx:DIR, images:DIR), for check_outputs.
  InputFile input() const;
};

/// The data a command given a model reads: `given` when --data was given (`was_given`), else the
/// data the model was trained on (a named data set, or a file or folder that is still there; said
/// on stderr), else `given` (mnist) for a model that does not record it.
std::string data_for_model(const LoadedModel& model, const std::string& given, bool was_given);

/// The first n (at most) of an int64 tensor of row numbers.
std::vector<int64_t> leading_rows(const torch::Tensor& rows, int64_t n);

/// A training run stopped by Ctrl-C (e) with `checkpoint` holding epoch `epochs_done` ("" before the
/// first): the same stop, saying how to go on (`command` --resume CHECKPOINT).
Interrupted resume_hint(const Interrupted& e, const std::string& checkpoint, int epochs_done,
                        const std::string& command);

/// A table for a command that reads numbers only (pretrain, classify): refuses columns of words,
/// and reads it as a matrix (standardised) rather than by its columns.
RawData numbers_only(RawData raw, const std::string& command);

/// --invert on a command that takes the user's inputs: light-background images as dark ones.
void add_invert_option(CLI::App* app, bool& invert);

/// A user's input, raw, made ready for the model: inverted when asked, then compared with the
/// model's training inputs (input_profile), each finding one `latent: warning: ...` line on stderr
/// (not an error), then normalised. `what` names it ("--data mnist", a file). Throws when its size
/// is not the model's.
Dataset prepare_input(RawData raw, const LoadedModel& model, bool invert, const std::string& what);

/// An image file (search --image, generate --variations-of) as a [1, D] query via prepare_input.
torch::Tensor load_image_query(const std::string& path, const LoadedModel& model, bool invert);

/// Sample `index` of the data split, normalised for the model: [1, D].
torch::Tensor load_sample(const DataOptions& data, int64_t index, const LoadedModel& model);

/// "1000,500,250" → sizes; throws latent::Error naming `flag` unless every item is a whole number >= 0.
std::vector<int64_t> parse_sizes(const std::string& flag, const std::string& text);

/// A flag naming one value of a part ("--activation relu"), parsed into `target` (a Part or an
/// optional one) as it comes in; a bad name gives "--flag 'x': expected a|b|c". Returns the option
/// for ->default_str().
template <class Part, class Target>
CLI::Option* add_part_option(CLI::App* app, const std::string& flag, Target& target, const std::string& help) {
  return app->add_option_function<std::string>(
      flag,
      [flag, &target](const std::string& text) {
        std::optional<Part> part = find_part<Part>(text);
        if (!part) throw Error(flag + " '" + text + "': expected " + names_of<Part>());
        target = *part;
      },
      help);
}

/// --activation and --code-activation into spec; `when` opens their help ("--init random: ").
void add_activation_options(CLI::App* app, ModelSpec& spec, const std::string& when = "");

/// JSON object when as_json, else one "key  value" line per entry.
void print_report(const nlohmann::json& report, bool as_json);

/// An index file of either kind: a snapshot (latent index build) or a mutable index (index add),
/// read whole into memory.
CodeIndex load_index(const std::string& path);

/// `latent info` / `latent index info` of an index file of either kind.
nlohmann::json index_report(const std::string& path);

/// The model an index was built with: --model if given (it must have the index's
/// fingerprint), else the path recorded in the index.
LoadedModel load_model_for_index(const CodeIndex& index, const std::string& model_path);

/// The samples an index holds, selected as when it was built (for thumbnails and contact sheets);
/// throws when they cannot be read or are not the ones indexed (the data changed since).
RawData indexed_data(const IndexInfo& info, const LoadedModel& model);

/// Writes images of raw pixels (0..255, one after another in the model's image shape) as a PNG grid.
void write_pixel_grid(const std::string& path, std::vector<float> pixels, const LoadedModel& model, int64_t columns);

/// Writes a [N, D] tensor of images (normalised space) as a PNG grid, after undoing the
/// normalisation; D must match the model's image shape.
void write_grid(const std::string& path, const torch::Tensor& images, const LoadedModel& model, int64_t columns);

/// Writes a [N, D] tensor (normalised space) as .npy/.csv in raw data units (pixels 0..255).
void write_raw_matrix(const std::string& path, const torch::Tensor& values, const LoadedModel& model);

/// Refuses to start work whose result could not be written (bad extension).
void check_output_extension(const std::string& path, const std::vector<std::string>& allowed,
                            const std::string& flag = "--out");

}  // namespace latent::cli
