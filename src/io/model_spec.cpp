#include "latent/io/model_spec.h"

#include <algorithm>
#include <cmath>

#include "base/json_number.h"
#include "latent/base/error.h"

namespace latent {
namespace {

void require_one_of(const std::string& name, const std::string& value, const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : "|") + a;
  throw Error(name + " '" + value + "': expected " + list);
}

}  // namespace

int64_t ModelSpec::input_size() const {
  int64_t n = 1;
  for (int64_t d : input_shape) n *= d;
  return n;
}

void ModelSpec::validate() const {
  if (input_shape.empty() || input_size() <= 0) throw Error("model input shape is empty");
  require_one_of("--arch", arch, {"dense", "conv"});
  require_one_of("--activation", activation, {"relu", "sigmoid", "tanh", "selu"});
  require_one_of("--code-activation", code_activation, {"linear", "relu", "sigmoid", "tanh"});
  require_one_of("output", output, {"sigmoid", "linear"});
  require_one_of("--loss", loss, {"bce", "mse"});
  if (loss == "bce" && output != "sigmoid")
    throw Error("--loss bce needs data in [0,1] (images); use --loss mse for standardised data");
  if (latent < 1 || latent > 65536) throw Error("--latent must be between 1 and 65536");
  for (int64_t width : layers)
    if (width < 1 || width > 65536) throw Error("--layers: each size must be between 1 and 65536");
  require_one_of("code head", code_head, {"plain", "gaussian", "binary"});
  if (code_head == "gaussian" && code_activation != "linear")
    throw Error("--type vae needs --code-activation linear (the code is a mean and a log-variance)");
  if (!(beta >= 0) || !std::isfinite(beta)) throw Error("--beta must be >= 0");
  if (kl_warmup < 0) throw Error("--kl-warmup must be >= 0");
  if (code_head == "gaussian" && (sparsity.active() || contractive > 0))
    throw Error(
        "--sparsity and --contractive apply to plain codes, not to --type vae (its KL term already regularises the "
        "code)");
  if (code_head == "binary") validate_binary();
  if (code_head != "binary" && neighbour_pull != 0) throw Error("--neighbour-pull needs --type binary");
  validate_regularisers();
}

void ModelSpec::validate_binary() const {
  if (latent < 8 || latent > 256 || latent % 8 != 0)
    throw Error("--bits must be a multiple of 8 between 8 and 256 (codes are packed into bytes)");
  if (code_activation != "linear")
    throw Error("--type binary needs --code-activation linear (the binary head applies its own sigmoid)");
  if (!(noise_start >= 0) || !(noise_end >= 0) || !std::isfinite(noise_start) || !std::isfinite(noise_end))
    throw Error("--noise-schedule: noise levels must be finite and >= 0");
  if (noise_epochs < 1) throw Error("--noise-schedule: the ramp needs at least 1 epoch");
  if (!(bit_balance >= 0) || !std::isfinite(bit_balance)) throw Error("--bit-balance must be >= 0");
  if (!(bit_decorrelation >= 0) || !std::isfinite(bit_decorrelation)) throw Error("--bit-decorrelation must be >= 0");
  if (!(neighbour_pull >= 0) || !std::isfinite(neighbour_pull)) throw Error("--neighbour-pull must be >= 0");
  if (neighbours < 1 || neighbours > 1000) throw Error("--neighbours must be between 1 and 1000");
  if (sparsity.active() || contractive > 0)
    throw Error("--sparsity and --contractive apply to plain codes, not to --type binary");
}

void ModelSpec::validate_regularisers() const {
  if (arch == "conv") {
    if (input_shape.size() != 3)
      throw Error("--arch conv needs image data; this data is a table of " + std::to_string(input_size()) +
                  " columns: use --arch dense");
    if (channels.empty() || channels.size() > 6) throw Error("--channels: give 1 to 6 sizes, like 32,64");
    for (int64_t c : channels)
      if (c < 1 || c > 4096) throw Error("--channels: each size must be between 1 and 4096");
  }
  if (corrupt.kind == "saltpepper" && output != "sigmoid")
    throw Error("--corrupt saltpepper sets pixels to 0 or 1: it needs data in [0,1] (images)");
  if (sparsity.kind == "kl" && code_activation != "sigmoid")
    throw Error("--sparsity kl compares mean activations in (0,1): it needs --code-activation sigmoid");
  if (!(contractive >= 0) || !std::isfinite(contractive)) throw Error("--contractive must be >= 0");
}

nlohmann::json ModelSpec::to_json() const {
  return {{"input_shape", input_shape},
          {"arch", arch},
          {"layers", layers},
          {"latent", latent},
          {"activation", activation},
          {"code_activation", code_activation},
          {"output", output},
          {"loss", loss},
          {"channels", channels},
          {"corrupt", corrupt.str()},
          {"sparsity", sparsity.str()},
          {"contractive", contractive},
          {"code_head", code_head},
          {"beta", beta},
          {"kl_warmup", kl_warmup},
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
    spec.arch = j.at("arch").get<std::string>();
    spec.layers = json_ints(j.at("layers"));
    spec.latent = json_int(j.at("latent"));
    spec.activation = j.at("activation").get<std::string>();
    spec.code_activation = j.at("code_activation").get<std::string>();
    spec.output = j.at("output").get<std::string>();
    spec.loss = j.at("loss").get<std::string>();
    if (j.contains("channels")) spec.channels = json_ints(j.at("channels"));
    spec.corrupt = CorruptionSpec::parse(j.value("corrupt", "none"));
    spec.sparsity = SparsitySpec::parse(j.value("sparsity", "none"));
    spec.contractive = j.value("contractive", 0.0);
    // Added later: files written before have none of these (a plain autoencoder).
    spec.code_head = j.value("code_head", spec.code_head);
    spec.beta = j.value("beta", spec.beta);
    if (j.contains("kl_warmup")) spec.kl_warmup = static_cast<int>(json_int(j.at("kl_warmup")));
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
  if (arch == "conv")
    for (int64_t c : channels) s += "-conv" + std::to_string(c);
  for (int64_t width : layers) s += "-" + std::to_string(width);
  return s + "-" + std::to_string(latent);
}

}  // namespace latent
