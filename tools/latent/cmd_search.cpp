// latent search: the entries of an index nearest to a query image, by code distance.
#include <algorithm>
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "common.h"
#include "latent/base/error.h"
#include "latent/io/image_pixels.h"
#include "latent/model/evaluate.h"
#include "latent/search/binary_codes.h"

namespace latent::cli {

namespace {

/// The query and its hits, left to right, as one PNG row (at most 16 results, the nearest). The
/// hits' pixels come from their own files when the index recorded them (a few files, not the
/// whole folder), else from the indexed data set.
void write_contact_sheet(const std::string& path, const torch::Tensor& query, const std::vector<SearchHit>& hits,
                         const IndexInfo& info, const LoadedModel& model) {
  const int64_t size = query.size(1);
  const size_t shown = std::min<size_t>(hits.size(), 16);
  std::vector<float> pixels = tensor_values(query);
  model.normalization.invert(pixels, size);
  if (!info.keys.empty()) throw Error("--grid: a mutable index keeps codes, not the pictures they came from");
  if (!info.paths.empty()) {
    for (size_t i = 0; i < shown; ++i) {
      const Pixels hit = read_pixels(info.paths[static_cast<size_t>(hits[i].id)], model.input_layout());
      pixels.insert(pixels.end(), hit.values.begin(), hit.values.end());
    }
  } else {
    const RawData indexed = indexed_data(info, model);
    for (size_t i = 0; i < shown; ++i) {
      auto row = indexed.values.begin() + hits[i].id * size;
      pixels.insert(pixels.end(), row, row + size);
    }
  }
  write_pixel_grid(path, std::move(pixels), model, static_cast<int64_t>(shown) + 1);
}

}  // namespace

void add_search_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string index, model, image, grid;
    int64_t index_of = -1, k = 10, nprobe = 0;
    int radius = -1;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("search", "Find the indexed entries most similar to a query image");
  sub->footer(
      "Similarity: 100% * max(0, 1 - d / s), where d is the Euclidean distance between the codes and s is\n"
      "the median distance between two random entries of the index (stored in it). An exact duplicate is\n"
      "100%; an entry as far as a typical random pair is 0%. Results are ranked by distance.\n"
      "A binary index (model trained with --type binary): distance is the Hamming distance d between the\n"
      "bit codes and similarity 100% * (1 - d / bits), the share of equal bits. --hamming-radius R returns\n"
      "every entry within distance R (exact: hash lookups of the query code with up to R bits flipped),\n"
      "nearest first, ties by id; -k then caps the list only when given.");
  sub->add_option("--index", opt->index, "Index file from `latent index build`")->required();
  sub->add_option("--model", opt->model, "Model file (default: the one the index was built with)");
  auto* image = sub->add_option("--image", opt->image, "Query image (PNG/JPEG, the model's input size)");
  opt->data.add_to(sub, "test");
  add_invert_option(sub, opt->data.invert);
  auto* index_of = sub->add_option("--index-of", opt->index_of, "Query: sample I of --data/--split");
  image->excludes(index_of);
  auto* k = sub->add_option("-k,--k", opt->k, "Number of results (with --hamming-radius: at most this many, if given)")
                ->default_val(10);
  auto* radius =
      sub->add_option("--hamming-radius", opt->radius, "Binary index: every entry within this Hamming distance");
  sub->add_option("--nprobe", opt->nprobe, "An inverted-file index (--ivf): cells to visit (default: the index's)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--grid", opt->grid,
                  "Also write a contact sheet (PNG): the query, then its results in rank order, one row");
  sub->add_flag("--json", opt->json, "Print JSON");
  opt->runtime.add_to(sub);
  sub->callback([opt, image, index_of, k, radius] {
    if (image->count() == 0 && index_of->count() == 0) throw Error("give a query: --image FILE or --index-of I");
    if (radius->count() > 0 && opt->radius < 0) throw Error("--hamming-radius must be >= 0");
    if (!opt->grid.empty()) {
      check_output_extension(opt->grid, {".png"}, "--grid");
      check_outputs({{"--grid", opt->grid, ""}}, {{"--index", opt->index}, {"--image", opt->image}});
    }
    opt->runtime.apply();
    CodeIndex index = load_index(opt->index);
    LoadedModel model = load_model_for_index(index, opt->model);
    if (!opt->grid.empty() && model.model->spec().input_shape.size() != 3)
      throw Error("--grid needs a model of images; this one reads tables");
    torch::Tensor query;
    if (!opt->image.empty()) {
      query = load_image_query(opt->image, model, opt->data.invert);
    } else {
      query = load_sample(opt->data, opt->index_of, model);
    }
    std::vector<float> code = tensor_values(encode_all(model.model, query));
    if (opt->k < 1) throw Error("-k must be at least 1");
    std::vector<SearchHit> hits;
    if (radius->count() > 0) {
      if (!index.is_binary())
        throw Error("--hamming-radius needs an index of binary codes (a model trained with --type binary)");
      hits = index.search_radius(pack_bits(code.data(), 1, index.dims()).data(), 1, opt->radius).front();
      if (k->count() > 0 && static_cast<int64_t>(hits.size()) > opt->k) hits.resize(static_cast<size_t>(opt->k));
    } else {
      hits = index.search(code.data(), 1, opt->k, opt->nprobe).front();
    }
    const IndexInfo& info = index.info();
    if (!opt->grid.empty()) write_contact_sheet(opt->grid, query, hits, info, model);
    nlohmann::json results = nlohmann::json::array();
    for (size_t rank = 0; rank < hits.size(); ++rank) {
      const SearchHit& hit = hits[rank];
      nlohmann::json row = {{"rank", rank + 1},
                            {"id", entry_id(info, hit.id)},
                            {"distance", hit.distance},
                            {"similarity", hit.similarity}};
      if (!info.labels.empty() && info.labels[static_cast<size_t>(hit.id)] >= 0)
        row["label"] = info.labels[static_cast<size_t>(hit.id)];
      if (!info.paths.empty()) row["path"] = info.paths[static_cast<size_t>(hit.id)];
      results.push_back(row);
    }
    if (opt->json) {
      std::cout << nlohmann::json{{"results", results}}.dump() << "\n";
      return;
    }
    auto what = [](const nlohmann::json& row) {
      return row.contains("path")    ? row["path"].get<std::string>()
             : row.contains("label") ? std::to_string(row["label"].get<int64_t>())
                                     : "-";
    };
    // Paths (images:DIR) and a mutable index's ids run long: each column is as wide as its
    // longest entry, so the numbers line up.
    const auto id_text = [](const nlohmann::json& id) {
      return id.is_string() ? id.get<std::string>() : std::to_string(id.get<int64_t>());
    };
    const std::string heading = info.paths.empty() ? "label" : "path";
    size_t width = heading.size(), id_width = 7;
    for (const auto& row : results) {
      width = std::max(width, what(row).size());
      id_width = std::max(id_width, id_text(row["id"]).size());
    }
    std::cout << "rank  " << std::left << std::setw(static_cast<int>(id_width + 2)) << "id"
              << std::setw(static_cast<int>(width + 2)) << heading << "distance  similarity\n";
    for (const auto& row : results) {
      std::cout << std::left << std::setw(6) << row["rank"].get<int64_t>() << std::setw(static_cast<int>(id_width + 2))
                << id_text(row["id"]) << std::setw(static_cast<int>(width + 2)) << what(row) << std::right << std::fixed
                << std::setprecision(3) << std::setw(8) << row["distance"].get<double>() << std::setprecision(1)
                << std::setw(11) << row["similarity"].get<double>() << "%\n";
    }
  });
}

}  // namespace latent::cli
