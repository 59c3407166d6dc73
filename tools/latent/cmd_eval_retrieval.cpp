// latent eval-retrieval: mean average precision and precision@100 of an index, relevant =
// same label as the query.
#include <random>

#include "commands.h"
#include "common.h"
#include "latent/data_source.h"
#include "latent/error.h"
#include "latent/evaluate.h"
#include "latent/retrieval_eval.h"

namespace latent::cli {

void add_eval_retrieval_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    std::string index, model, queries = "mnist:test";
    int64_t n = 1000;
    uint64_t query_seed = 0;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("eval-retrieval", "Score an index: do the nearest codes share the query's label?");
  sub->footer(
      "map               mean average precision over the ranking of the whole index\n"
      "precision_at_100  fraction of the 100 nearest entries with the query's label\n"
      "query_us          mean microseconds per k=100 search, one query at a time");
  sub->add_option("--index", opt->index, "Index file (built on labelled data)")->required();
  sub->add_option("--model", opt->model, "Model file (default: the one the index was built with)");
  sub->add_option("--queries", opt->queries, "DATA[:train|:test] to draw queries from")->default_val("mnist:test");
  sub->add_option("--n", opt->n, "Number of queries, drawn at random with --query-seed")->default_val(1000);
  sub->add_option("--query-seed", opt->query_seed, "Seed of the query draw")->default_val(0);
  sub->add_flag("--json", opt->json, "Print one JSON object");
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    if (opt->n < 1) throw Error("--n must be at least 1");
    opt->runtime.apply();
    CodeIndex index = CodeIndex::load(opt->index);
    LoadedModel model = load_model_for_index(index, opt->model);
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
    if (!all.has_labels()) throw Error("--queries " + opt->queries + " has no labels");
    int64_t n = std::min(opt->n, all.size());
    std::vector<int64_t> order(static_cast<size_t>(all.size()));
    for (int64_t i = 0; i < all.size(); ++i) order[static_cast<size_t>(i)] = i;
    std::mt19937_64 rng(opt->query_seed);
    for (int64_t i = all.size() - 1; i > 0; --i) std::swap(order[static_cast<size_t>(i)], order[rng() % (i + 1)]);
    order.resize(static_cast<size_t>(n));
    Dataset queries = all.select(torch::tensor(order, torch::kInt64));
    std::vector<int64_t> labels(queries.y.data_ptr<int64_t>(), queries.y.data_ptr<int64_t>() + n);
    RetrievalMetrics m = evaluate_retrieval(index, tensor_values(encode_all(model.model, queries.x)), labels);
    print_report({{"queries", m.queries},
                  {"database", index.size()},
                  {"code_dims", index.dims()},
                  {"map", m.map},
                  {"precision_at_100", m.precision_at_100},
                  {"query_us", m.query_us}},
                 opt->json);
  });
}

}  // namespace latent::cli
