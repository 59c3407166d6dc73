// Model files: save → load gives the same function; damaged and foreign files are refused.
#include <gtest/gtest.h>

#include <fstream>

#include "fixtures.h"
#include "latent/base/error.h"
#include "latent/io/container.h"
#include "latent/model/evaluate.h"
#include "latent/model/model_file.h"
#include "latent/runtime/threads.h"

namespace latent {
namespace {

using testing::mnist_slice;
using testing::mnist_spec;
using testing::scratch_path;

TEST(ModelFile, SaveLoadGivesBitIdenticalOutputs) {
  torch::manual_seed(1);
  Autoencoder model(mnist_spec({64}, 16));
  Dataset data = mnist_slice("test", 50);
  Normalization norm;
  std::string path = scratch_path("m.model");
  save_model(path, model, norm, {{"note", "test"}});
  LoadedModel loaded = load_model(path);
  EXPECT_EQ(loaded.meta["note"], "test");
  EXPECT_EQ(loaded.model->spec().to_json(), model->spec().to_json());
  model->eval();
  torch::Tensor codes = encode_all(model, data.x);
  EXPECT_TRUE(torch::equal(codes, encode_all(loaded.model, data.x)));
  EXPECT_TRUE(torch::equal(decode_all(model, codes), decode_all(loaded.model, codes)));
  EXPECT_EQ(loaded.fingerprint, load_model(path).fingerprint);
  std::remove(path.c_str());
}

// Inference multiplies in oneDNN (model/inference_layers): a row's code and reconstruction do not
// depend on the rows it is batched with or on the thread count (the server batches queries), and
// they are the training graph's forward up to float rounding.
TEST(Inference, ARowGetsTheSameOutputsAloneOrInABatch) {
  configure_threads(2);  // the batch of 300 runs on two threads, a row alone on one
  torch::manual_seed(4);
  Autoencoder model(mnist_spec({256, 64}, 32));
  model->eval();
  Dataset data = mnist_slice("test", 300);
  torch::Tensor codes = encode_all(model, data.x), recon = decode_all(model, codes);
  for (int64_t row : {0, 7, 299}) {
    torch::Tensor alone = data.x.slice(0, row, row + 1);
    EXPECT_TRUE(torch::equal(encode_all(model, alone), codes.slice(0, row, row + 1))) << "row " << row;
    EXPECT_TRUE(torch::equal(decode_all(model, codes.slice(0, row, row + 1)), recon.slice(0, row, row + 1)));
  }
  torch::Tensor graph_codes = model->encode(data.x).detach();  // gradients on: the module's own forward
  EXPECT_TRUE(torch::allclose(codes, graph_codes, 1e-5, 1e-5));
  EXPECT_FALSE(torch::equal(codes, graph_codes)) << "inference no longer goes through its own products";
}

TEST(ModelFile, RefusesDamagedForeignAndMismatchedFiles) {
  torch::manual_seed(1);
  Autoencoder model(mnist_spec({}, 8));
  std::string path = scratch_path("d.model");
  save_model(path, model, Normalization{}, {});
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto write = [&](const std::string& content) { std::ofstream(path, std::ios::binary | std::ios::trunc) << content; };
  for (size_t cut : {size_t{5}, size_t{30}, bytes.size() / 2, bytes.size() - 1}) {
    write(bytes.substr(0, cut));
    EXPECT_THROW(load_model(path), Error) << "truncated at " << cut;
  }
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 1;
  write(flipped);
  EXPECT_THROW(load_model(path), Error);
  write("this is not a model\n");
  EXPECT_THROW(load_model(path), Error);
  // A well-formed container whose archive is garbage never reaches a crash either.
  write(pack_container("model", "garbage that is not a torch archive"));
  EXPECT_THROW(load_model(path), Error);
  EXPECT_THROW(load_model(scratch_path("missing.model")), Error);
  std::remove(path.c_str());
}

TEST(ModelFile, RefusesASpecLargerThanTheFileBeforeBuildingIt) {
  // A small model's file whose spec claims 2048-wide layers: 25 M parameters (100 MB) that
  // cannot be in a file of a few KB, refused before the model is allocated.
  torch::manual_seed(1);
  Autoencoder model(mnist_spec({}, 8));
  ModelSpec big = mnist_spec({2048, 2048}, 2048);
  big.input_shape = {2048};
  torch::serialize::OutputArchive archive;
  write_model_fields(archive, model, Normalization{}, {});
  archive.write("spec", c10::IValue(big.to_json().dump()));
  std::string path = scratch_path("big_spec.model");
  std::ofstream(path, std::ios::binary) << pack_container("model", archive_bytes(archive));
  try {
    load_model(path);
    ADD_FAILURE() << "loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": the model spec needs"), std::string::npos) << e.what();
  }
  // The count the check uses is the model's own, for every part that has parameters.
  ModelSpec conv = mnist_spec({32}, 8), vae = mnist_spec({32}, 8), binary = mnist_spec({32}, 16);
  conv.arch = Arch::conv;
  conv.channels = {4, 8};
  vae.set_type(ModelType::vae, true);
  binary.set_type(ModelType::binary, true);
  for (const ModelSpec& spec : {conv, vae, binary}) {
    int64_t numel = 0;
    for (const auto& p : Autoencoder(spec)->parameters()) numel += p.numel();
    EXPECT_EQ(parameter_count(spec), numel) << spec.shape_string();
  }
  std::remove(path.c_str());
}

/// A zip of one stored entry, as LibTorch's reader expects one (sizes and offsets; no checksum).
std::string one_entry_zip(const std::string& name, const std::string& data) {
  auto le = [](uint32_t v, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
    return out;
  };
  const uint32_t size = static_cast<uint32_t>(data.size()), name_size = static_cast<uint32_t>(name.size());
  std::string local = le(0x04034b50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4) + le(size, 4) +
                      le(size, 4) + le(name_size, 2) + le(0, 2) + name + data;
  std::string central = le(0x02014b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4) +
                        le(size, 4) + le(size, 4) + le(name_size, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) +
                        le(0, 4) + le(0, 4) + name;
  std::string end = le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(1, 2) + le(1, 2) +
                    le(static_cast<uint32_t>(central.size()), 4) + le(static_cast<uint32_t>(local.size()), 4) +
                    le(0, 2);
  return local + central + end;
}

TEST(ModelFile, RefusesALongSourceLineWithoutRegex) {
  // A 95 KB line of class source: std::regex's matcher recursed once per character and
  // overflowed the stack; the hand-written check reads it in one pass.
  std::string line = "  __parameters__ = [";
  for (int i = 0; i < 19000; ++i) line += "\"w\", ";
  std::string path = scratch_path("long_line.model");
  std::ofstream(path, std::ios::binary) << pack_container(
      "model", one_entry_zip("archive/code/__torch__.py", "class Module(Module):\n" + line + "x\n"));
  try {
    load_model(path);
    ADD_FAILURE() << "loaded";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": damaged model archive (unexpected TorchScript source)");
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace latent
