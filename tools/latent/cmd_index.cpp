// latent index build | add | remove | info: snapshot indexes built once from a data split, and
// mutable ones (SQLite) that take entries and removals by id.
#include <filesystem>
#include <fstream>

#include "commands.h"
#include "common.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/io/container.h"
#include "latent/model/evaluate.h"
#include "latent/search/binary_codes.h"
#include "latent/search/mutable_index.h"

namespace latent::cli {
namespace {

/// Entries written per transaction by `index add --data`: progress and memory stay bounded.
constexpr int64_t kAddBatch = 10000;

void add_build(CLI::App* index) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string model, out;
    bool hnsw = false;
    int64_t ivf = 0, pq = 0, nprobe = 0;
    CodeMetric metric = CodeMetric::euclidean;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = index->add_subcommand("build", "Encode a data split and store the codes in an index file");
  sub->footer(
      "The index holds the codes (FAISS IndexFlatL2: exact; --hnsw: IndexHNSWFlat, M=32, approximate and\n"
      "faster on large sets; --ivf NLIST [--pq M]: FAISS IVF-Flat / IVF-PQ, trained on a sample, for millions\n"
      "of codes), each entry's label and path, and the model's fingerprint: `latent search`\n"
      "refuses to query it through another model.\n"
      "A binary model (--type binary): codes thresholded at 0.5, packed into bits, stored in a Hamming table\n"
      "(sorted buckets keyed by the whole code up to 32 bits, multi-index hashing beyond: 9 bytes an entry at\n"
      "32 bits), for `latent search --hamming-radius R`.\n"
      "A built index is a read-only snapshot; `latent index add` makes one that takes new entries.");
  sub->add_option("--model", opt->model, "Model file whose codes are indexed")->required();
  opt->data.add_to(sub, "train");
  auto* hnsw = sub->add_flag("--hnsw", opt->hnsw, "Approximate HNSW graph index instead of exact search");
  auto* ivf = sub->add_option("--ivf", opt->ivf,
                              "Inverted file of NLIST k-means cells (IVF-Flat; about 4 x sqrt(entries)): a search "
                              "visits --nprobe of them")
                  ->check(CLI::PositiveNumber);
  sub->add_option("--pq", opt->pq, "With --ivf: product quantisation, M bytes a code (IVF-PQ; M divides the code size)")
      ->check(CLI::PositiveNumber)
      ->needs(ivf);
  sub->add_option("--nprobe", opt->nprobe, "With --ivf: cells a search visits unless it asks (default 16)")
      ->check(CLI::PositiveNumber)
      ->needs(ivf);
  hnsw->excludes(ivf);
  add_part_option<CodeMetric>(sub, "--metric", opt->metric,
                              "Float codes: euclidean (distance between codes) | cosine (the angle between the "
                              "codes' differences from their mean; similarity % = 100 x cosine)")
      ->default_str("euclidean");
  sub->add_option("--out", opt->out, "Index file to write")->required();
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    check_outputs({{"--out", opt->out, "index"}}, {{"--model", opt->model}, opt->data.input()});
    opt->runtime.apply();
    LoadedModel model = load_model(opt->model);
    opt->data.follow_model(model);
    IndexInfo info;
    info.model_fingerprint = model.fingerprint;
    info.model_path = opt->model;
    info.data = opt->data.data;
    info.split = opt->data.split;
    info.only_class = opt->data.only_class;
    info.limit = opt->data.limit;
    Dataset data;
    if (opt->data.image_pack()) {
      data = opt->data.open_for(model);
      info.data_fingerprint = opt->data.fingerprint({});
    } else {
      RawData raw = opt->data.load_as(model);
      info.data_fingerprint = opt->data.fingerprint(raw);
      data = opt->data.prepare_for(std::move(raw), model);
    }
    if (data.has_labels()) info.labels.assign(data.y.data_ptr<int64_t>(), data.y.data_ptr<int64_t>() + data.size());
    for (int64_t i = 0; i < data.size() && data.has_names(); ++i) info.paths.push_back(data.name(i));
    torch::Tensor codes = encode_all(model.model, data);
    const bool binary = model.model->spec().code_head == CodeHead::binary;
    if (binary && (opt->hnsw || opt->ivf > 0 || opt->metric != CodeMetric::euclidean))
      throw Error("--hnsw, --ivf and --metric are for float codes; a binary model's codes go in a Hamming table");
    info.nprobe = opt->nprobe;
    info.metric = opt->metric;
    CodeIndex built =
        binary     ? CodeIndex::build_binary(pack_bits(tensor_values(codes).data(), codes.size(0), codes.size(1)),
                                             codes.size(1), info)
        : opt->ivf ? CodeIndex::build_ivf(tensor_values(codes), codes.size(1), info, opt->ivf, opt->pq)
                   : CodeIndex::build(tensor_values(codes), codes.size(1), info, opt->hnsw);
    built.save(opt->out);
    log_line("indexed " + std::to_string(built.size()) + " codes of " + std::to_string(built.dims()) +
             (binary ? " bits (Hamming table) to " : " numbers to ") + opt->out);
  });
}

/// The mutable index at `path`, made for `model_path` when the file does not exist yet; and the
/// model whose codes it holds.
std::pair<MutableIndex, LoadedModel> open_or_create(const std::string& path, const std::string& model_path) {
  if (!std::filesystem::exists(path)) {
    if (model_path.empty()) throw Error("--index " + path + " does not exist; to create it, give --model FILE");
    LoadedModel model = load_model(model_path);
    IndexInfo info;
    info.model_fingerprint = model.fingerprint;
    info.model_path = model_path;
    const bool binary = model.model->spec().code_head == CodeHead::binary;
    MutableIndex index = MutableIndex::create(path, info, model.model->spec().latent, binary);
    return {std::move(index), std::move(model)};
  }
  if (!EntryStore::is_store(path))
    throw Error("--index " + path +
                " is a read-only snapshot (latent index build); entries go in a mutable index: name a new file");
  MutableIndex index = MutableIndex::open(path);
  LoadedModel model = index.read([&](const CodeIndex& m) { return load_model_for_index(m, model_path); });
  return {std::move(index), std::move(model)};
}

void add_add(CLI::App* index) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string index, model, image, id;
    int64_t label = -1;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = index->add_subcommand("add", "Add or replace entries of a mutable index (created if absent)");
  sub->footer(
      "A mutable index is a SQLite database (WAL, synced at each commit): entries have string ids; adding\n"
      "an id that is there replaces its code and label. Entries of --data get their file path as id\n"
      "(images:DIR), else DATA:SPLIT:ROW. `latent search` and `latent serve` read it like a built index;\n"
      "`latent serve --writable` also takes PUT and DELETE /api/index/ID.");
  sub->add_option("--index", opt->index, "Mutable index file (created with --model when absent)")->required();
  sub->add_option("--model", opt->model, "Model whose codes are stored (default: the one the index was made with)");
  opt->data.add_to(sub, "train");
  auto* image = sub->add_option("--image", opt->image, "One image file to add (with --id) instead of --data");
  auto* id = sub->add_option("--id", opt->id, "The id of --image");
  image->needs(id);
  id->needs(image);
  sub->add_option("--label", opt->label, "The label of --image")->check(CLI::NonNegativeNumber);
  add_invert_option(sub, opt->data.invert);
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    if (!opt->image.empty()) check_entry_id(opt->id);
    opt->runtime.apply();
    auto [index, model] = open_or_create(opt->index, opt->model);
    if (!opt->image.empty()) {
      const torch::Tensor x = load_image_query(opt->image, model, opt->data.invert);
      const std::vector<bool> found = index.write({{{opt->id, tensor_values(encode_all(model.model, x)), opt->label}}});
      log_line(std::string(found[0] ? "replaced " : "added ") + opt->id + " in " + opt->index);
      return;
    }
    Dataset data = opt->data.open_for(model);
    const std::string prefix = opt->data.data + ":" + opt->data.split + ":";
    Progress progress("index add", data.size());
    int64_t added = 0, replaced = 0;
    for (int64_t start = 0; start < data.size(); start += kAddBatch) {
      const int64_t end = std::min(data.size(), start + kAddBatch);
      const std::vector<float> codes = tensor_values(encode_all(model.model, data.rows(start, end)));
      const size_t dims = codes.size() / static_cast<size_t>(end - start);
      std::vector<IndexChange> changes;
      for (int64_t row = start; row < end; ++row) {
        IndexEntry entry;
        entry.id = data.has_names() ? data.name(row) : prefix + std::to_string(row);
        entry.code.assign(codes.begin() + (row - start) * dims, codes.begin() + (row - start + 1) * dims);
        if (data.has_labels()) entry.label = data.y[row].item<int64_t>();
        changes.push_back({std::move(entry)});
      }
      for (bool found : index.write(changes)) (found ? replaced : added) += 1;
      progress.update(end);
    }
    log_line("added " + std::to_string(added) + " and replaced " + std::to_string(replaced) + " entries in " +
             opt->index);
  });
}

void add_remove(CLI::App* index) {
  struct Options {
    std::string index, ids_file;
    std::vector<std::string> ids;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = index->add_subcommand("remove", "Remove entries of a mutable index by id");
  sub->add_option("--index", opt->index, "Mutable index file")->required();
  auto* file = sub->add_option("--ids", opt->ids_file, "A file of ids, one per line");
  auto* ids = sub->add_option("--id", opt->ids, "An id (repeat for more)");
  file->excludes(ids);
  sub->callback([opt] {
    std::vector<std::string> ids = opt->ids;
    if (!opt->ids_file.empty()) {
      std::ifstream in(opt->ids_file);
      if (!in) throw Error("--ids " + opt->ids_file + ": cannot open");
      for (std::string line; std::getline(in, line);)
        if (!line.empty()) ids.push_back(line);
    }
    if (ids.empty()) throw Error("give the ids to remove: --ids FILE or --id ID");
    if (!EntryStore::is_store(opt->index))
      throw Error("--index " + opt->index + " is not a mutable index (a snapshot of latent index build, or no index)");
    MutableIndex index = MutableIndex::open(opt->index);
    std::vector<IndexChange> changes;
    for (const std::string& id : ids) changes.push_back({{id, {}, -1}, true});
    int64_t removed = 0;
    for (bool found : index.write(changes)) removed += found;
    log_line("removed " + std::to_string(removed) + " of " + std::to_string(ids.size()) + " ids from " + opt->index +
             (removed < static_cast<int64_t>(ids.size()) ? " (the others were not in it)" : ""));
  });
}

void add_info(CLI::App* index) {
  struct Options {
    std::string index;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = index->add_subcommand("info", "What an index holds and which kind it is (snapshot or mutable)");
  sub->add_option("--index", opt->index, "Index file")->required();
  sub->add_flag("--json", opt->json, "Print JSON");
  sub->callback([opt] { print_report(index_report(opt->index), opt->json); });
}

}  // namespace

void add_index_command(CLI::App& app) {
  CLI::App* index = app.add_subcommand("index", "Build, grow and inspect code indexes for search");
  index->require_subcommand(1);
  add_build(index);
  add_add(index);
  add_remove(index);
  add_info(index);
}

}  // namespace latent::cli
