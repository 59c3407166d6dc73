#pragma once
// The regularisers and input corruptions a ModelSpec can name, parsed from their --flag strings
// ("masking:0.3", "kl:0.05,0.1"). Plain data, no torch: they live in the spec's JSON as those
// same strings, so `latent info` shows what the user typed.
#include <optional>
#include <string>
#include <vector>

#include "latent/io/model_parts.h"

namespace latent {

/// "a,b" → {a, b}, or nothing unless every item is a finite number.
std::optional<std::vector<double>> parse_numbers(const std::string& text);

/// Input corruption for denoising: the model sees corrupt(x) and reconstructs x.
struct CorruptionSpec {
  /// gaussian: add N(0, amount²); masking: zero each value with probability amount; saltpepper:
  /// set each pixel to 0 or 1 with probability amount.
  CorruptionKind kind = CorruptionKind::none;
  double amount = 0;

  /// "none" | "gaussian:S" | "masking:P" | "saltpepper:P"; throws SettingError("corrupt", ...) on anything else.
  static CorruptionSpec parse(const std::string& text);
  std::string str() const;
  bool active() const { return kind != CorruptionKind::none; }
};

/// Image augmentation while training: each batch is transformed afresh (input and target alike),
/// so a model of few pictures sees each of them mirrored, moved and recoloured.
struct AugmentSpec {
  bool flip = false;  ///< mirror left-right with probability ½
  int shift = 0;      ///< move by up to this many pixels each way (edges repeated)
  double color = 0;   ///< scale each channel by 1 ± color and add ± color (clamped to [0,1])

  /// "none" | a comma list of flip, shift:PIXELS, color:AMOUNT; throws SettingError("augment", ...).
  static AugmentSpec parse(const std::string& text);
  std::string str() const;
  bool active() const { return flip || shift > 0 || color > 0; }
};

/// A penalty on the code: L1 on its values, or KL from a target mean activation rho.
struct SparsitySpec {
  SparsityKind kind = SparsityKind::none;
  double rho = 0;  ///< kl only: target mean activation of each unit, in (0, 1)
  double weight = 0;

  /// "none" | "l1:WEIGHT" | "kl:RHO,WEIGHT"; throws SettingError("sparsity", ...) on anything else.
  static SparsitySpec parse(const std::string& text);
  std::string str() const;
  bool active() const { return kind != SparsityKind::none; }
};

}  // namespace latent
