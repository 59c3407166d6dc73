// latent pack: a data set as one file that train, encode, eval and index read batch by batch,
// so a data set bigger than memory trains in the memory a batch needs.
#include <algorithm>
#include <filesystem>

#include "commands.h"
#include "common.h"
#include "latent/base/interrupt.h"
#include "latent/base/progress.h"
#include "latent/io/data_source.h"
#include "latent/io/image_pixels.h"
#include "latent/io/pack_file.h"

namespace latent::cli {
namespace {

constexpr int64_t kFilesPerChunk = 1024;

// An image folder, file by file: never more than a chunk of pictures in memory.
void pack_image_folder(const DataOptions& data, const std::string& dir, PackWriter& pack) {
  std::vector<std::string> skipped;
  std::vector<ImageFileEntry> files = list_image_files(dir, &skipped);
  RawData chunk;
  chunk.label_names = image_class_names(files);  // all of them: --normal-class keeps the numbers
  if (data.only_class >= 0 || !data.only_class_name.empty()) {
    auto other_class = [&](const ImageFileEntry& f) {
      return data.only_class_name.empty()
                 ? f.label != data.only_class
                 : std::filesystem::path(f.path).parent_path().filename() != data.only_class_name;
    };
    files.erase(std::remove_if(files.begin(), files.end(), other_class), files.end());
    if (files.empty())
      throw Error("--normal-class " +
                  (data.only_class_name.empty() ? std::to_string(data.only_class) : data.only_class_name) +
                  ": no samples of that class in --data " + data.data);
  }
  if (data.limit > 0 && static_cast<int64_t>(files.size()) > data.limit) files.resize(static_cast<size_t>(data.limit));
  ImageLayout layout = data.layout;
  Progress progress("pack " + std::to_string(files.size()) + " images", static_cast<int64_t>(files.size()));
  auto flush = [&] {
    pack.add(chunk);
    chunk.values.clear(), chunk.labels.clear(), chunk.paths.clear();
  };
  UnreadFiles unread{data.unreadable, {}};
  std::string first_path;  // the first file read: the pack's shape
  for (size_t i = 0; i < files.size(); ++i) {
    if (interrupt_requested()) throw Interrupted("interrupted; nothing was written");
    std::optional<Pixels> read = unread.read(files[i].path, layout);
    progress.update(static_cast<int64_t>(i + 1));
    if (!read) continue;
    const Pixels& image = *read;
    const std::vector<int64_t> shape = {image.channels, image.height, image.width};
    if (first_path.empty()) {
      first_path = files[i].path;
      chunk.is_image = true;
      chunk.sample_shape = shape;
      // The folder is as colourful as its first file: later grey files get three planes, and a
      // colour file after grey ones cannot be known about before it is read.
      if (layout.color == ColorMode::keep && image.channels == 3) layout.color = ColorMode::rgb;
    }
    if (shape != chunk.sample_shape)
      throw Error(files[i].path + ": " +
                  (shape[0] != chunk.sample_shape[0] ? "has colour, but " : "another size than ") + first_path +
                  (shape[0] != chunk.sample_shape[0]
                       ? " is grey; pass --color rgb or --color gray to pack a folder that mixes them"
                       : "; pass --resize WxH to bring every image to one size"));
    chunk.values.insert(chunk.values.end(), image.values.begin(), image.values.end());
    if (files[i].label >= 0) chunk.labels.push_back(files[i].label);
    chunk.paths.push_back(files[i].path);
    if (static_cast<int64_t>(chunk.paths.size()) == kFilesPerChunk) flush();
  }
  if (first_path.empty()) throw Error(unread.nothing_read(dir));
  flush();
  progress.finish();
  if (!skipped.empty()) log_line(skipped_files_note(dir, skipped));
  if (!unread.reasons.empty()) log_line(unread.note(dir));
}

}  // namespace

void add_pack_command(CLI::App& app) {
  struct Options {
    DataOptions data;
    std::string out;
    bool overwrite = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "pack", "Write a data set as one file that train, encode, eval and index read batch by batch (--data pack:FILE)");
  sub->footer(
      "Images are stored as bytes after --color/--resize/--fit (a model trained on the pack reads its queries the\n"
      "same way); a table's values as read (its columns are encoded when a model reads it). Labels and file names\n"
      "are kept. An image folder is read one file at a time; other sources are read whole first.\n"
      "Reading --data pack:FILE, train, encode, eval, index build and index add hold only the rows of a batch.");
  sub->add_option("data", opt->data.data, "The data to pack (any --data form: mnist, images:DIR, csv:FILE, ...)");
  opt->data.add_to(sub, "train");
  opt->data.add_image_options(sub);
  sub->add_option("--out", opt->out, "The pack file to write (.lpk)")->required();
  sub->add_flag("--overwrite", opt->overwrite, "Replace --out if it exists");
  sub->callback([opt] {
    const DataSource source = DataSource::parse(opt->data.data);
    if (source.kind == DataSource::Kind::pack) throw Error("--data " + opt->data.data + " is a pack already");
    opt->data.check_image_options();
    check_outputs({{"--out", opt->out, ""}}, {opt->data.input()});
    if (!opt->overwrite && is_pack_file(opt->out))
      throw Error("--out " + opt->out + " already holds a pack; pass --overwrite to replace it");
    PackWriter pack(opt->out, opt->data.data, opt->data.layout);
    if (source.kind == DataSource::Kind::images) {
      pack_image_folder(opt->data, source.location, pack);
    } else {
      Progress progress("pack " + opt->data.data, 1);
      pack.add(opt->data.load());
      progress.finish();
    }
    pack.commit();
    log_line("packed " + std::to_string(pack.count()) + " samples of --data " + opt->data.data + " into " + opt->out);
  });
}

}  // namespace latent::cli
