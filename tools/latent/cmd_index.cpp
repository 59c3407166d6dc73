// latent index build: encode a data split and store the codes in a searchable index.
#include "commands.h"
#include "common.h"
#include "latent/base/error.h"
#include "latent/base/progress.h"
#include "latent/io/container.h"
#include "latent/model/evaluate.h"
#include "latent/search/binary_codes.h"

namespace latent::cli {

void add_index_command(CLI::App& app) {
  struct Options {
    RuntimeOptions runtime;
    DataOptions data;
    std::string model, out;
    bool hnsw = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* index = app.add_subcommand("index", "Build code indexes for image search");
  index->require_subcommand(1);
  CLI::App* sub = index->add_subcommand("build", "Encode a data split and store the codes in an index file");
  sub->footer(
      "The index holds the codes (FAISS IndexFlatL2: exact; --hnsw: IndexHNSWFlat, M=32, approximate and\n"
      "faster on large sets), each entry's label and path, and the model's fingerprint: `latent search`\n"
      "refuses to query it through another model.\n"
      "A binary model (--type binary): codes thresholded at 0.5, packed into bits, stored in a Hamming hash\n"
      "table (FAISS IndexBinaryHash keyed by the whole code up to 64 bits, IndexBinaryMultiHash beyond), for\n"
      "`latent search --hamming-radius R`.");
  sub->add_option("--model", opt->model, "Model file whose codes are indexed")->required();
  opt->data.add_to(sub, "train");
  sub->add_flag("--hnsw", opt->hnsw, "Approximate HNSW graph index instead of exact search");
  sub->add_option("--out", opt->out, "Index file to write")->required();
  opt->runtime.add_to(sub);
  sub->callback([opt] {
    check_outputs({{"--out", opt->out, "index"}}, {{"--model", opt->model}, opt->data.input()});
    opt->runtime.apply();
    LoadedModel model = load_model(opt->model);
    RawData raw = opt->data.load_as(model);
    IndexInfo info;
    info.model_fingerprint = model.fingerprint;
    info.model_path = opt->model;
    info.data = opt->data.data;
    info.split = opt->data.split;
    info.only_class = opt->data.only_class;
    info.limit = opt->data.limit;
    info.data_fingerprint = fingerprint(raw.values.data(), raw.values.size() * sizeof(float));
    Dataset data = opt->data.prepare_for(std::move(raw), model);
    if (data.has_labels()) info.labels.assign(data.y.data_ptr<int64_t>(), data.y.data_ptr<int64_t>() + data.size());
    info.paths = data.paths;
    torch::Tensor codes = encode_all(model.model, data.x);
    const bool binary = model.model->spec().code_head == CodeHead::binary;
    if (binary && opt->hnsw)
      throw Error("--hnsw is for float codes; a binary model's codes go in a Hamming hash table");
    CodeIndex built =
        binary ? CodeIndex::build_binary(pack_bits(tensor_values(codes).data(), codes.size(0), codes.size(1)),
                                         codes.size(1), info)
               : CodeIndex::build(tensor_values(codes), codes.size(1), info, opt->hnsw);
    built.save(opt->out);
    log_line("indexed " + std::to_string(built.size()) + " codes of " + std::to_string(built.dims()) +
             (binary ? " bits (" + built.info().kind + " table) to " : " numbers to ") + opt->out);
  });
}

}  // namespace latent::cli
