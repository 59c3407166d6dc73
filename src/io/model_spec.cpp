#include "latent/io/model_spec.h"

#include <algorithm>
#include <cmath>

#include "base/json_number.h"
#include "latent/base/error.h"
#include "latent/base/shape_size.h"

namespace latent {
namespace {

bool finite_non_negative(double v) { return v >= 0 && std::isfinite(v); }

// A model file's spec is built into a model before its weights are read: these caps keep every
// size product inside int64, and model_file then checks that the file can hold the parameters.
constexpr size_t kMaxLayers = 64;
constexpr int64_t kMaxInputDimension = int64_t{1} << 20;
constexpr int64_t kMaxInputSize = int64_t{1} << 30;

}  // namespace

int64_t ModelSpec::input_size() const { return shape_size(input_shape); }

int64_t ModelSpec::table_numbers() const {
  int64_t n = input_size();
  for (int64_t width : table_blocks) n -= width;
  return n;
}

void ModelSpec::set_type(ModelType type, bool unit_range_data, std::optional<Loss> chosen_loss) {
  code_head = type == ModelType::vae      ? CodeHead::gaussian
              : type == ModelType::binary ? CodeHead::binary
                                          : CodeHead::plain;
  output = unit_range_data ? Output::sigmoid : Output::linear;
  loss = chosen_loss.value_or(unit_range_data ? Loss::bce : Loss::mse);
}

ModelType ModelSpec::type() const {
  return code_head == CodeHead::gaussian ? ModelType::vae
         : code_head == CodeHead::binary ? ModelType::binary
                                         : ModelType::ae;
}

void ModelSpec::validate() const {
  // An error of the data or the file, not of a flag: no SettingError.
  const std::string shape_rule = "model input shape needs 1 to 3 sizes of 1 to 2^20, at most 2^30 values in all";
  if (input_shape.empty() || input_shape.size() > 3) throw Error(shape_rule);
  for (int64_t d : input_shape)
    if (d < 1 || d > kMaxInputDimension) throw Error(shape_rule);
  if (input_size() > kMaxInputSize) throw Error(shape_rule);
  if (activation == Activation::linear) throw SettingError("activation", "'linear': expected relu|sigmoid|tanh|selu");
  if (code_activation == Activation::selu)
    throw SettingError("code activation", "'selu': expected linear|relu|sigmoid|tanh");
  if (loss == Loss::bce && output != Output::sigmoid)
    throw SettingError("loss", "bce needs data in [0,1] (images); use mse for standardised data");
  validate_table();
  if (latent < 1 || latent > 65536) throw SettingError("latent", "must be between 1 and 65536");
  if (layers.size() > kMaxLayers) throw SettingError("layers", "needs at most 64 sizes");
  for (int64_t width : layers)
    if (width < 1 || width > 65536) throw SettingError("layers", "needs sizes between 1 and 65536");
  if (code_head == CodeHead::gaussian && code_activation != Activation::linear)
    throw SettingError("code activation",
                       "must be linear in a variational autoencoder (the code is a mean and a log-variance)");
  if (!finite_non_negative(beta)) throw SettingError("beta", "must be >= 0");
  if (kl_warmup < 0) throw SettingError("kl warmup", "must be >= 0");
  if (iw_train < 1 || iw_train > 5000) throw SettingError("iw train", "must be between 1 and 5000");
  if (iw_train > 1 && code_head != CodeHead::gaussian)
    throw SettingError("iw train", "needs a variational autoencoder (--type vae): it weighs draws from q(z|x)");
  if (iw_train > 1 && (beta != 1 || kl_warmup != 0))
    throw SettingError("iw train", "takes no --beta or --kl-warmup: the importance-weighted bound has no KL term");
  if (binarize == Binarize::dynamic && loss != Loss::bce)
    throw SettingError("binarize", "needs data in [0,1] and the bce loss: it draws binary pixels");
  if (code_head == CodeHead::gaussian) {
    const std::string problem =
        "applies to plain codes, not to a variational autoencoder (its KL term already "
        "regularises the code)";
    if (sparsity.active()) throw SettingError("sparsity", problem);
    if (contractive > 0) throw SettingError("contractive", problem);
  }
  if (code_head == CodeHead::binary) validate_binary();
  if (code_head != CodeHead::binary && neighbour_pull != 0)
    throw SettingError("neighbour pull", "needs a binary code (type binary)");
  validate_regularisers();
}

void ModelSpec::validate_table() const {
  if (output != Output::table) {
    if (!table_blocks.empty()) throw Error("model spec: table blocks need the table output");
    return;
  }
  if (input_shape.size() != 1) throw Error("model spec: the table output needs table data");
  if (loss != Loss::mse) throw SettingError("loss", "a table's numbers are fitted by mse");
  if (table_blocks.size() > static_cast<size_t>(input_size())) throw Error("model spec: more table blocks than values");
  for (int64_t width : table_blocks)
    if (width < 2 || width > input_size()) throw Error("model spec: a table block needs 2 or more values");
  if (table_numbers() < 0) throw Error("model spec: the table blocks are wider than the row");
}

void ModelSpec::validate_binary() const {
  if (latent < 8 || latent > 256 || latent % 8 != 0)
    throw SettingError("bits", "must be a multiple of 8 between 8 and 256 (codes are packed into bytes)");
  if (code_activation != Activation::linear)
    throw SettingError("code activation", "must be linear for binary codes (the binary head applies its own sigmoid)");
  if (!finite_non_negative(noise_start) || !finite_non_negative(noise_end))
    throw SettingError("noise schedule", "needs finite noise levels >= 0");
  if (noise_epochs < 1) throw SettingError("noise schedule", "needs a ramp of at least 1 epoch");
  if (!finite_non_negative(bit_balance)) throw SettingError("bit balance", "must be >= 0");
  if (!finite_non_negative(bit_decorrelation)) throw SettingError("bit decorrelation", "must be >= 0");
  if (!finite_non_negative(neighbour_pull)) throw SettingError("neighbour pull", "must be >= 0");
  if (neighbours < 1 || neighbours > 1000) throw SettingError("neighbours", "must be between 1 and 1000");
  if (sparsity.active()) throw SettingError("sparsity", "applies to plain codes, not to binary codes");
  if (contractive > 0) throw SettingError("contractive", "applies to plain codes, not to binary codes");
}

void ModelSpec::validate_regularisers() const {
  if (arch == Arch::conv) {
    if (input_shape.size() != 3)
      throw SettingError("arch", "conv needs image data; this data is a table of " + std::to_string(input_size()) +
                                     " columns: use dense");
    if (channels.empty() || channels.size() > 6) throw SettingError("channels", "needs 1 to 6 sizes, like 32,64");
    for (int64_t c : channels)
      if (c < 1 || c > 4096) throw SettingError("channels", "needs sizes between 1 and 4096");
  }
  if (augment.active() && input_shape.size() != 3)
    throw SettingError("augment", "flips, shifts and colour changes need image data");
  if (augment.shift > 0 && augment.shift >= std::min(input_shape[1], input_shape[2]))
    throw SettingError("augment", "shift:" + std::to_string(augment.shift) + " is not smaller than the image");
  if (corrupt.kind == CorruptionKind::saltpepper && output != Output::sigmoid)
    throw SettingError("corrupt", "saltpepper sets pixels to 0 or 1: it needs data in [0,1] (images)");
  if (sparsity.kind == SparsityKind::kl && code_activation != Activation::sigmoid)
    throw SettingError("sparsity", "kl compares mean activations in (0,1): it needs a sigmoid code activation");
  if (!finite_non_negative(contractive)) throw SettingError("contractive", "must be >= 0");
}

nlohmann::json ModelSpec::to_json() const {
  return {{"input_shape", input_shape},
          {"arch", name_of(arch)},
          {"layers", layers},
          {"latent", latent},
          {"activation", name_of(activation)},
          {"code_activation", name_of(code_activation)},
          {"output", name_of(output)},
          {"loss", name_of(loss)},
          {"table_blocks", table_blocks},
          {"channels", channels},
          {"corrupt", corrupt.str()},
          {"augment", augment.str()},
          {"sparsity", sparsity.str()},
          {"contractive", contractive},
          {"code_head", name_of(code_head)},
          {"beta", beta},
          {"kl_warmup", kl_warmup},
          {"iw_train", iw_train},
          {"binarize", name_of(binarize)},
          {"noise_start", noise_start},
          {"noise_end", noise_end},
          {"noise_epochs", noise_epochs},
          {"bit_balance", bit_balance},
          {"bit_decorrelation", bit_decorrelation},
          {"neighbour_pull", neighbour_pull},
          {"neighbours", neighbours}};
}

ModelSpec ModelSpec::from_json(const nlohmann::json& j) {
  ModelSpec spec;
  try {
    spec.input_shape = json_ints(j.at("input_shape"));
    spec.arch = parse_part<Arch>("arch", j.at("arch").get<std::string>());
    spec.layers = json_ints(j.at("layers"));
    spec.latent = json_int(j.at("latent"));
    spec.activation = parse_part<Activation>("activation", j.at("activation").get<std::string>());
    spec.code_activation = parse_part<Activation>("code activation", j.at("code_activation").get<std::string>());
    spec.output = parse_part<Output>("output", j.at("output").get<std::string>());
    spec.loss = parse_part<Loss>("loss", j.at("loss").get<std::string>());
    if (j.contains("channels")) spec.channels = json_ints(j.at("channels"));
    if (j.contains("table_blocks")) spec.table_blocks = json_ints(j.at("table_blocks"));
    spec.corrupt = CorruptionSpec::parse(j.value("corrupt", "none"));
    spec.augment = AugmentSpec::parse(j.value("augment", "none"));
    spec.sparsity = SparsitySpec::parse(j.value("sparsity", "none"));
    spec.contractive = j.value("contractive", 0.0);
    // Added later: files written before have none of these (a plain autoencoder).
    if (j.contains("code_head"))
      spec.code_head = parse_part<CodeHead>("code head", j.at("code_head").get<std::string>());
    spec.beta = j.value("beta", spec.beta);
    if (j.contains("kl_warmup")) spec.kl_warmup = static_cast<int>(json_int(j.at("kl_warmup")));
    if (j.contains("iw_train")) spec.iw_train = json_int(j.at("iw_train"));
    if (j.contains("binarize")) spec.binarize = parse_part<Binarize>("binarize", j.at("binarize").get<std::string>());
    spec.noise_start = j.value("noise_start", spec.noise_start);
    spec.noise_end = j.value("noise_end", spec.noise_end);
    if (j.contains("noise_epochs")) spec.noise_epochs = static_cast<int>(json_int(j.at("noise_epochs")));
    spec.bit_balance = j.value("bit_balance", spec.bit_balance);
    spec.bit_decorrelation = j.value("bit_decorrelation", spec.bit_decorrelation);
    spec.neighbour_pull = j.value("neighbour_pull", spec.neighbour_pull);
    if (j.contains("neighbours")) spec.neighbours = static_cast<int>(json_int(j.at("neighbours")));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("model spec: ") + e.what());
  }
  spec.validate();
  return spec;
}

std::string ModelSpec::shape_string() const {
  std::string s = std::to_string(input_size());
  if (arch == Arch::conv)
    for (int64_t c : channels) s += "-conv" + std::to_string(c);
  for (int64_t width : layers) s += "-" + std::to_string(width);
  return s + "-" + std::to_string(latent);
}

}  // namespace latent
