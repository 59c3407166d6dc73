// The container every latent file uses, matrix files, atomic writes, the model spec.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "latent/base/atomic_file.h"
#include "latent/base/error.h"
#include "latent/io/container.h"
#include "latent/io/matrix_file.h"
#include "latent/io/model_spec.h"
#include "scratch_path.h"

namespace latent {
namespace {

TEST(Container, RoundTripsAndRefusesDamage) {
  std::string payload = "weights and more weights";
  std::string file = pack_container("model", payload);
  EXPECT_EQ(unpack_container(file, "model", "m"), payload);
  std::string flipped = file;
  flipped[flipped.size() - 3] ^= 0x20;
  EXPECT_THROW(unpack_container(flipped, "model", "m"), Error);
  EXPECT_THROW(unpack_container(file.substr(0, file.size() - 1), "model", "m"), Error);
  EXPECT_THROW(unpack_container(file, "checkpoint", "m"), Error);
  EXPECT_THROW(unpack_container("PK\x03\x04 a zip file", "model", "m"), Error);
  std::string future = file;
  future[8] = 9;  // format version 9
  try {
    unpack_container(future, "model", "m");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("format 9"), std::string::npos);
  }
  EXPECT_NE(fingerprint(payload), fingerprint(payload + "x"));
  EXPECT_EQ(fingerprint(payload).size(), 16u);
}

TEST(AtomicFile, LeavesNoTemporaryBehind) {
  std::filesystem::path dir = testing::scratch_path("atomic");
  std::filesystem::create_directories(dir);
  write_file_atomic((dir / "f").string(), "one");
  write_file_atomic((dir / "f").string(), "two");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  EXPECT_THROW(write_file_atomic((dir / "missing" / "f").string(), "x"), Error);
  std::filesystem::remove_all(dir);
}

TEST(AtomicFile, DoesNotFollowAPlantedTemporaryAndKeepsPermissions) {
  std::filesystem::path dir = testing::scratch_path("atomic_hostile");
  std::filesystem::create_directories(dir);
  std::string out = (dir / "out.model").string(), victim = (dir / "victim").string();
  std::ofstream(victim) << "precious";
  std::filesystem::create_symlink(victim, out + ".tmp." + std::to_string(getpid()));
  try {
    write_file_atomic(out, "new");
    ADD_FAILURE() << "wrote through a symlink planted at the temporary's name";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(out + ".tmp."), std::string::npos) << e.what();
  }
  std::ifstream in(victim);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "precious");
  EXPECT_FALSE(std::filesystem::exists(out));
  std::filesystem::remove(out + ".tmp." + std::to_string(getpid()));
  // A new file gets 0644 less the umask; a replaced file keeps its own bits.
  mode_t mask = umask(022);
  write_file_atomic(out, "one");
  EXPECT_EQ(std::filesystem::status(out).permissions(), static_cast<std::filesystem::perms>(0644));
  chmod(out.c_str(), 0600);
  write_file_atomic(out, "two");
  EXPECT_EQ(std::filesystem::status(out).permissions(), static_cast<std::filesystem::perms>(0600));
  umask(mask);
  std::filesystem::remove_all(dir);
}

TEST(MatrixFile, NpyAndCsvRoundTrip) {
  Matrix m{2, 3, {1.5f, -2, 3, 4, 5.25f, 6}};
  for (std::string name : {"m.npy", "m.csv"}) {
    std::string path = testing::scratch_path(name);
    write_matrix(path, m, name == "m.csv" ? std::vector<int64_t>{7, 8} : std::vector<int64_t>{});
    Matrix back = read_matrix(path);
    EXPECT_EQ(back.rows, 2);
    EXPECT_EQ(back.cols, 3);
    EXPECT_EQ(back.values, m.values);
    std::filesystem::remove(path);
  }
}

TEST(ModelSpec, JsonRoundTripAndValidation) {
  ModelSpec spec;
  spec.input_shape = {1, 28, 28};
  spec.layers = {1000, 500, 250};
  spec.latent = 30;
  spec.activation = Activation::selu;
  ModelSpec back = ModelSpec::from_json(nlohmann::json::parse(spec.to_json().dump()));
  EXPECT_EQ(back.to_json(), spec.to_json());
  EXPECT_EQ(back.activation, Activation::selu);
  EXPECT_EQ(back.shape_string(), "784-1000-500-250-30");
  nlohmann::json swish = spec.to_json();
  swish["activation"] = "swish";
  try {
    ModelSpec::from_json(swish);
    ADD_FAILURE() << "an unknown activation loaded";
  } catch (const SettingError& e) {
    EXPECT_EQ(e.setting, "activation");
    EXPECT_EQ(e.problem, "'swish': expected linear|relu|sigmoid|tanh|selu");
  }
  spec.activation = Activation::linear;  // a hidden layer must be nonlinear
  EXPECT_THROW(spec.validate(), SettingError);
  spec.activation = Activation::relu;
  spec.output = Output::linear;
  try {
    spec.validate();
    ADD_FAILURE() << "bce with a linear output validated";
  } catch (const SettingError& e) {
    EXPECT_EQ(e.setting, "loss");  // bce needs a sigmoid output
  }
  EXPECT_THROW(ModelSpec::from_json(nlohmann::json{{"latent", 3}}), Error);
}

TEST(ModelSpec, LayerCountAndInputShapeAreCapped) {
  // A model is built from these sizes before its weights are read: absurd ones are refused first.
  ModelSpec spec;
  spec.input_shape = {1, 28, 28};
  spec.layers = std::vector<int64_t>(100000, 1);
  EXPECT_THROW(spec.validate(), SettingError);
  spec.layers = {64};
  for (std::vector<int64_t> shape : {std::vector<int64_t>{1, int64_t{1} << 40, 1}, std::vector<int64_t>{1, 1, 1, 1},
                                     std::vector<int64_t>{int64_t{1} << 32, int64_t{1} << 32}}) {
    spec.input_shape = shape;
    EXPECT_THROW(spec.validate(), Error) << nlohmann::json(shape);
  }
}

TEST(ModelSpec, OneRuleFromModelTypeToHeadOutputAndLoss) {
  ModelSpec spec;
  spec.set_type(ModelType::vae, true);
  EXPECT_EQ(spec.code_head, CodeHead::gaussian);
  EXPECT_EQ(spec.output, Output::sigmoid);
  EXPECT_EQ(spec.loss, Loss::bce);
  EXPECT_EQ(spec.type(), ModelType::vae);
  spec.set_type(ModelType::binary, false);
  EXPECT_EQ(spec.code_head, CodeHead::binary);
  EXPECT_EQ(spec.output, Output::linear);
  EXPECT_EQ(spec.loss, Loss::mse);
  EXPECT_EQ(spec.type(), ModelType::binary);
  spec.set_type(ModelType::ae, true, Loss::mse);
  EXPECT_EQ(spec.code_head, CodeHead::plain);
  EXPECT_EQ(spec.loss, Loss::mse);
  EXPECT_EQ(name_of(spec.type()), "ae");
}

TEST(ModelParts, NamesRoundTripAndUnknownNamesAreRefused) {
  for (const char* name : PartNames<Activation>::names)
    EXPECT_EQ(name_of(parse_part<Activation>("activation", name)), name);
  EXPECT_EQ(parse_part<CodeHead>("code head", "gaussian"), CodeHead::gaussian);
  EXPECT_EQ(find_part<Loss>("l2"), std::nullopt);
  EXPECT_THROW(parse_part<Arch>("arch", "Dense"), SettingError);  // names are exact
  EXPECT_EQ(names_of<ModelType>(), "ae|vae|binary");
}

}  // namespace
}  // namespace latent
