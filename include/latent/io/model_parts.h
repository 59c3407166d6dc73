#pragma once
// The named parts of a model. Each is parsed once, where a model file, a flag or a request comes
// in, and compared as an enum everywhere else; its names are what model files store.
#include <array>
#include <cstddef>
#include <optional>
#include <string>

namespace latent {

enum class Arch { dense, conv };
enum class Activation { linear, relu, sigmoid, tanh, selu };
/// sigmoid for data in [0,1] (images), linear for standardised data; table: linear for the
/// numbers, a softmax per one-hot block of words (see ModelSpec::table_blocks).
enum class Output { sigmoid, linear, table };
enum class Loss { bce, mse };
/// plain: the code itself; gaussian: a mean and a log-variance (a variational autoencoder);
/// binary: a noisy sigmoid thresholded at use (semantic hashing; see model/code_head.h).
enum class CodeHead { plain, gaussian, binary };
/// What a user asks for: an autoencoder, a variational one or a binary code (see model_type.h).
enum class ModelType { ae, vae, binary };
enum class CorruptionKind { none, gaussian, masking, saltpepper };
enum class SparsityKind { none, l1, kl };
/// dynamic: the data are the probabilities of binary pixels; training draws every pixel afresh
/// for each batch (input and target alike), evaluation reads one fixed draw.
enum class Binarize { none, dynamic };
/// How an index of float codes ranks: euclidean distance, or cosine similarity of the codes'
/// differences from the indexed codes' mean (search/code_index.h).
enum class CodeMetric { euclidean, cosine };

/// The names of a part's values, in the enum's order.
template <class Part>
struct PartNames;
template <>
struct PartNames<Arch> {
  static constexpr std::array<const char*, 2> names{"dense", "conv"};
};
template <>
struct PartNames<Activation> {
  static constexpr std::array<const char*, 5> names{"linear", "relu", "sigmoid", "tanh", "selu"};
};
template <>
struct PartNames<Output> {
  static constexpr std::array<const char*, 3> names{"sigmoid", "linear", "table"};
};
template <>
struct PartNames<Loss> {
  static constexpr std::array<const char*, 2> names{"bce", "mse"};
};
template <>
struct PartNames<CodeHead> {
  static constexpr std::array<const char*, 3> names{"plain", "gaussian", "binary"};
};
template <>
struct PartNames<ModelType> {
  static constexpr std::array<const char*, 3> names{"ae", "vae", "binary"};
};
template <>
struct PartNames<CorruptionKind> {
  static constexpr std::array<const char*, 4> names{"none", "gaussian", "masking", "saltpepper"};
};
template <>
struct PartNames<SparsityKind> {
  static constexpr std::array<const char*, 3> names{"none", "l1", "kl"};
};

template <>
struct PartNames<Binarize> {
  static constexpr std::array<const char*, 2> names{"none", "dynamic"};
};
template <>
struct PartNames<CodeMetric> {
  static constexpr std::array<const char*, 2> names{"euclidean", "cosine"};
};

template <class Part>
std::string name_of(Part part) {
  return PartNames<Part>::names[static_cast<size_t>(part)];
}

/// "a|b|c": every name of the part.
template <class Part>
std::string names_of() {
  std::string list;
  for (const char* name : PartNames<Part>::names) list += (list.empty() ? "" : "|") + std::string(name);
  return list;
}

[[noreturn]] void throw_unknown_part(const std::string& setting, const std::string& text, const std::string& names);

/// The part named `text`, if one is.
template <class Part>
std::optional<Part> find_part(const std::string& text) {
  const auto& names = PartNames<Part>::names;
  for (size_t i = 0; i < names.size(); ++i)
    if (text == names[i]) return static_cast<Part>(i);
  return std::nullopt;
}

/// The part named `text`; throws SettingError(setting, "'text': expected a|b|c") for any other text.
template <class Part>
Part parse_part(const std::string& setting, const std::string& text) {
  if (std::optional<Part> part = find_part<Part>(text)) return *part;
  throw_unknown_part(setting, text, names_of<Part>());
}

}  // namespace latent
