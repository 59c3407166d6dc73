#pragma once
// The regularisers and input corruptions a ModelSpec can name, parsed from their --flag strings
// ("masking:0.3", "kl:0.05,0.1"). Plain data, no torch: they live in the spec's JSON as those
// same strings, so `latent info` shows what the user typed.
#include <string>
#include <vector>

namespace latent {

/// "a,b" → {a, b}; throws latent::Error(usage) unless every item is a finite number.
std::vector<double> parse_numbers(const std::string& text, const std::string& usage);

/// Input corruption for denoising: the model sees corrupt(x) and reconstructs x.
struct CorruptionSpec {
  std::string kind = "none";  ///< none | gaussian (add N(0, amount²)) | masking (zero each value with
                              ///< probability amount) | saltpepper (set each pixel to 0 or 1 with probability amount)
  double amount = 0;

  /// "none" | "gaussian:S" | "masking:P" | "saltpepper:P"; throws latent::Error on anything else.
  static CorruptionSpec parse(const std::string& text);
  std::string str() const;
  bool active() const { return kind != "none"; }
};

/// A penalty on the code: L1 on its values, or KL from a target mean activation rho.
struct SparsitySpec {
  std::string kind = "none";  ///< none | l1 | kl
  double rho = 0;             ///< kl only: target mean activation of each unit, in (0, 1)
  double weight = 0;

  /// "none" | "l1:WEIGHT" | "kl:RHO,WEIGHT"; throws latent::Error on anything else.
  static SparsitySpec parse(const std::string& text);
  std::string str() const;
  bool active() const { return kind != "none"; }
};

}  // namespace latent
