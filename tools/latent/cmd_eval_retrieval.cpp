// latent eval-retrieval: mean average precision, precision@100 and top-1/top-10 accuracy of an
// index, relevant = same label as the query (--relevance label) or same file name (--relevance name).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <random>

#include "commands.h"
#include "common.h"
#include "latent/base/error.h"
#include "latent/eval/retrieval_baselines.h"
#include "latent/io/data_source.h"
#include "latent/metrics/retrieval_eval.h"
#include "latent/model/evaluate.h"
#include "latent/search/binary_codes.h"

namespace latent::cli {

namespace {

nlohmann::json metrics_json(const std::string& name, const CodeIndex& index, const std::string& relevance,
                            const RetrievalMetrics& m) {
  nlohmann::json row = {{"codes", name},
                        {"queries", m.queries},
                        {"database", index.size()},
                        {index.is_binary() ? "code_bits" : "code_dims", index.dims()},
                        {"relevance", relevance},
                        {"map", m.map},
                        {"precision_at_100", m.precision_at_100},
                        {"top1_accuracy", m.top1_accuracy},
                        {"top10_accuracy", m.top10_accuracy}};
  if (index.is_binary()) {
    row["precision_radius2"] = m.precision_radius2;
    row["mean_found_radius2"] = m.mean_found_radius2;
    row["empty_radius2"] = m.empty_radius2;
  }
  row["query_us"] = m.query_us;
  return row;
}

/// The first `n` rows of the shuffled `order` taking as many of each label as n allows (n / labels;
/// MNIST: 100 a digit); the rows not taken go to `rest`, in order.
std::vector<int64_t> per_label_draw(const std::vector<int64_t>& order, const torch::Tensor& labels, int64_t n,
                                    std::vector<int64_t>& rest) {
  const torch::Tensor distinct = std::get<0>(torch::_unique(labels));
  const int64_t quota = n / distinct.size(0);
  if (quota < 1)
    throw Error("--protocol 1k-69k: --n " + std::to_string(n) + " is fewer than one query per label (" +
                std::to_string(distinct.size(0)) + " labels)");
  std::map<int64_t, int64_t> taken;
  std::vector<int64_t> queries;
  const int64_t* label = labels.data_ptr<int64_t>();
  for (int64_t row : order) {
    if (taken[label[row]] < quota) {
      ++taken[label[row]];
      queries.push_back(row);
    } else {
      rest.push_back(row);
    }
  }
  std::sort(rest.begin(), rest.end());
  return queries;
}

/// The index's entries and the codes of `others` in one index of the same code type (flat for
/// float codes): the database of the 1k-69k protocol.
CodeIndex with_other_images(const CodeIndex& index, LoadedModel& model, const Dataset& others) {
  IndexInfo info = index.info();
  if (info.labels.empty()) throw Error("--protocol 1k-69k: the index keeps no labels");
  info.labels.insert(info.labels.end(), others.y.data_ptr<int64_t>(), others.y.data_ptr<int64_t>() + others.size());
  info.paths.clear();
  info.keys.clear();
  const std::vector<float> codes = tensor_values(encode_all(model.model, others.x));
  if (index.is_binary()) {
    std::vector<uint8_t> bits = index.binary_codes();
    const std::vector<uint8_t> more = pack_bits(codes.data(), others.size(), index.dims());
    bits.insert(bits.end(), more.begin(), more.end());
    return CodeIndex::build_binary(bits, index.dims(), info);
  }
  DataOptions indexed;
  indexed.data = info.data;
  indexed.split = info.split;
  indexed.limit = index.size();
  std::vector<float> all = tensor_values(encode_all(model.model, indexed.load_for(model).x));
  all.insert(all.end(), codes.begin(), codes.end());
  return CodeIndex::build(all, index.dims(), info, false);
}

void print_table(const nlohmann::json& rows) {
  std::printf("%-16s %6s %7s %7s %6s %6s %9s %9s %8s %10s\n", "codes", "size", "map", "P@100", "top1", "top10",
              "P(r<=2)", "found r2", "empty r2", "query_us");
  for (const auto& r : rows) {
    const bool binary = r.contains("code_bits");
    std::string size =
        binary ? std::to_string(r["code_bits"].get<int64_t>()) + "b" : std::to_string(r["code_dims"].get<int64_t>());
    if (binary)
      std::printf("%-16s %6s %7.3f %7.3f %6.3f %6.3f %9.3f %9.1f %8.3f %10.1f\n", r["codes"].get<std::string>().c_str(),
                  size.c_str(), r["map"].get<double>(), r["precision_at_100"].get<double>(),
                  r["top1_accuracy"].get<double>(), r["top10_accuracy"].get<double>(),
                  r["precision_radius2"].get<double>(), r["mean_found_radius2"].get<double>(),
                  r["empty_radius2"].get<double>(), r["query_us"].get<double>());
    else
      std::printf("%-16s %6s %7.3f %7.3f %6.3f %6.3f %9s %9s %8s %10.1f\n", r["codes"].get<std::string>().c_str(),
                  size.c_str(), r["map"].get<double>(), r["precision_at_100"].get<double>(),
                  r["top1_accuracy"].get<double>(), r["top10_accuracy"].get<double>(), "-", "-", "-",
                  r["query_us"].get<double>());
  }
}

}  // namespace

void add_eval_retrieval_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    std::string index, model, queries, baselines, relevance = "label", protocol = "index";
    int64_t bits = 0;
    int64_t n = 1000;
    std::optional<uint64_t> query_seed;  // unset: --seed draws the queries too
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("eval-retrieval",
                                     "Score an index: do the nearest codes share the query's label (or file name)?");
  sub->footer(
      "An entry is relevant to a query when it has the query's label (--relevance label), or its file's\n"
      "name, the path's last part, is the query's (--relevance name: the same picture in two folders, e.g.\n"
      "--index apple.index --queries images:data/emoji/facebook; both must come from images:DIR).\n"
      "relevance         label or name\n"
      "map               mean average precision over the ranking of the whole index\n"
      "precision_at_100  fraction of the 100 nearest entries that are relevant\n"
      "top1_accuracy     fraction of queries whose nearest entry is relevant\n"
      "top10_accuracy    fraction of queries with a relevant entry among the 10 nearest\n"
      "query_us          mean microseconds per k=100 search, one query at a time\n"
      "Binary codes (a --type binary model, and the binary baselines) are ranked by Hamming distance, ties\n"
      "by id, and add:\n"
      "precision_radius2   share of relevant entries among those within Hamming distance 2 (a query\n"
      "                    finding none counts 0), averaged over queries\n"
      "mean_found_radius2  entries within Hamming distance 2, averaged over queries\n"
      "empty_radius2       fraction of queries with nothing within distance 2\n"
      "                    (query_us is then the mean time of a radius-2 hash lookup)\n"
      "--baseline builds other codes of the indexed data (--data/--split of the index) in the same run and\n"
      "scores them on the same queries: pixels (raw inputs, L2), pca (PCA to --bits floats, L2), itq (full\n"
      "ITQ: PCA to --bits dims on the whole database, 50 orthogonal Procrustes iterations, random initial\n"
      "rotation from --seed), faiss-itq (FAISS ITQTransform, which L2-normalises and subsamples), lsh (FAISS\n"
      "IndexLSH: signs of a random rotation).");
  sub->add_option("--index", opt->index, "Index file (built on labelled data, or on images:DIR for --relevance name)")
      ->required();
  sub->add_option("--model", opt->model, "Model file (default: the one the index was built with)");
  sub->add_option("--queries", opt->queries,
                  "DATA[:train|:test] to draw queries from (default: the index's data, its other split, when it "
                  "has a test split: mnist, fashion-mnist, idx:DIR)");
  sub->add_option("--relevance", opt->relevance, "label (same label as the query) | name (same file name)")
      ->check(CLI::IsMember({"label", "name"}))
      ->default_val("label");
  sub->add_option("--n", opt->n, "Number of queries, drawn at random (see --query-seed)")->default_val(1000);
  sub->add_option("--protocol", opt->protocol,
                  "index: the queries against the index | 1k-69k: --n queries, as many of each label, against the "
                  "index's data plus every other image of --queries (MNIST: 1,000 test images, 100 a digit, "
                  "against the other 69,000; the model has never seen the queries)")
      ->check(CLI::IsMember({"index", "1k-69k"}))
      ->default_val("index");
  sub->add_option("--query-seed", opt->query_seed, "Seed of the query draw (default: --seed)");
  sub->add_option("--baseline", opt->baselines, "Comma list of baselines to score too: itq,faiss-itq,lsh,pca,pixels");
  sub->add_option("--bits", opt->bits, "Code size of the baselines (default: the index's code size)");
  sub->add_flag("--json", opt->json, "Print one JSON object (with --baseline: {\"rows\": [...]}, the index first)");
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    if (opt->n < 1) throw Error("--n must be at least 1");
    std::vector<std::string> baselines;
    for (size_t start = 0; !opt->baselines.empty() && start <= opt->baselines.size();) {
      size_t comma = std::min(opt->baselines.find(',', start), opt->baselines.size());
      std::string kind = opt->baselines.substr(start, comma - start);
      if (std::find(baseline_kinds().begin(), baseline_kinds().end(), kind) == baseline_kinds().end())
        throw Error("--baseline '" + kind + "': expected a comma list of itq, faiss-itq, lsh, pca, pixels");
      baselines.push_back(kind);
      start = comma + 1;
    }
    if (opt->bits < 0) throw Error("--bits must be positive");
    opt->runtime.apply();
    const bool by_name = opt->relevance == "name";
    const bool per_label = opt->protocol == "1k-69k";
    if (per_label && by_name) throw Error("--protocol 1k-69k draws queries by label: use --relevance label");
    CodeIndex index = load_index(opt->index);
    if (by_name && index.info().paths.empty())
      throw Error("--relevance name: the index " + opt->index +
                  " holds no file paths (build it from --data images:DIR)");
    LoadedModel model = load_model_for_index(index, opt->model);
    if (opt->queries.empty()) {  // the indexed data set's other split: never another data set's images
      const IndexInfo& info = index.info();
      if (info.data.empty() || !DataSource::parse(info.data).has_test_split())
        throw Error("--queries: name the data to draw queries from (the index holds --data " +
                    (info.data.empty() ? std::string("of no record") : info.data) + ", which has no test split)");
      opt->queries = info.data + (info.split == "test" ? ":train" : ":test");
    }
    std::string data = opt->queries, split = "test";
    for (std::string suffix : {":train", ":test"})
      if (data.size() > suffix.size() && data.compare(data.size() - suffix.size(), suffix.size(), suffix) == 0) {
        split = suffix.substr(1);
        data.resize(data.size() - suffix.size());
      }
    DataOptions source;
    source.data = data;
    source.split = split;
    Dataset all = source.load_for(model);
    if (by_name && all.paths.empty())
      throw Error("--relevance name: --queries " + opt->queries + " has no file paths (use images:DIR)");
    if (!by_name && !all.has_labels()) throw Error("--queries " + opt->queries + " has no labels");
    int64_t n = std::min(opt->n, all.size());
    std::vector<int64_t> order(static_cast<size_t>(all.size()));
    for (int64_t i = 0; i < all.size(); ++i) order[static_cast<size_t>(i)] = i;
    std::mt19937_64 rng(opt->query_seed.value_or(opt->runtime.seed));
    for (int64_t i = all.size() - 1; i > 0; --i) std::swap(order[static_cast<size_t>(i)], order[rng() % (i + 1)]);
    std::vector<int64_t> rest;  // 1k-69k: the query split's other images, which join the database
    if (per_label) {
      order = per_label_draw(order, all.y, n, rest);
      n = static_cast<int64_t>(order.size());
    }
    order.resize(static_cast<size_t>(n));
    Dataset queries = all.select(torch::tensor(order, torch::kInt64));
    if (per_label) index = with_other_images(index, model, all.select(torch::tensor(rest, torch::kInt64)));
    const RelevanceKeys relevance =
        by_name ? relevance_by_name(index.info().paths, queries.paths)
                : relevance_by_label(
                      index, std::vector<int64_t>(queries.y.data_ptr<int64_t>(), queries.y.data_ptr<int64_t>() + n));
    RetrievalMetrics m = evaluate_retrieval(index, tensor_values(encode_all(model.model, queries.x)), relevance);
    nlohmann::json rows = nlohmann::json::array();
    rows.push_back(metrics_json(index.is_binary() ? "latent binary" : "latent", index, opt->relevance, m));
    if (!baselines.empty()) {
      DataOptions indexed;
      indexed.data = index.info().data;
      indexed.split = index.info().split;
      // An index built with --limit holds the first entries (1k-69k: then the query split's others).
      indexed.limit = index.size() - static_cast<int64_t>(rest.size());
      Dataset database = indexed.load_for(model);
      if (database.size() != indexed.limit)
        throw Error("the index's data " + indexed.data + ":" + indexed.split + " no longer has " +
                    std::to_string(indexed.limit) + " samples");
      if (per_label) database.x = torch::cat({database.x, all.select(torch::tensor(rest, torch::kInt64)).x});
      const int64_t bits = opt->bits > 0 ? opt->bits : index.dims();
      for (const std::string& kind : baselines) {
        BaselineCodes codes = make_baseline(kind, bits, database.x, queries.x, opt->runtime.seed);
        IndexInfo info = index.info();
        CodeIndex baseline = codes.binary ? CodeIndex::build_binary(codes.database_bits, codes.dims, info)
                                          : CodeIndex::build(codes.database, codes.dims, info, false);
        RetrievalMetrics b = codes.binary ? evaluate_binary_retrieval(baseline, codes.query_bits, relevance)
                                          : evaluate_retrieval(baseline, codes.queries, relevance);
        rows.push_back(metrics_json(codes.name, baseline, opt->relevance, b));
      }
    }
    if (baselines.empty()) {
      rows[0].erase("codes");
      print_report(rows[0], opt->json);
    } else if (opt->json) {
      std::cout << nlohmann::json{{"rows", rows}}.dump() << "\n";
    } else {
      print_table(rows);
    }
  });
}

}  // namespace latent::cli
