// Model files: save → load gives the same function; damaged and foreign files are refused.
#include <gtest/gtest.h>

#include <fstream>

#include "fixtures.h"
#include "latent/base/error.h"
#include "latent/io/container.h"
#include "latent/model/evaluate.h"
#include "latent/model/model_file.h"

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

}  // namespace
}  // namespace latent
