#include "latent/io/regularizer_spec.h"

#include <cmath>
#include <sstream>
#include <vector>

#include "latent/base/error.h"

namespace latent {
std::vector<double> parse_numbers(const std::string& text, const std::string& usage) {
  std::vector<double> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      values.push_back(std::stod(item, &used));
      if (used != item.size() || !std::isfinite(values.back())) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw Error(usage);
    }
  }
  return values;
}

namespace {

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

CorruptionSpec CorruptionSpec::parse(const std::string& text) {
  const std::string usage = "--corrupt '" + text + "': expected none, gaussian:STDDEV, masking:P or saltpepper:P";
  CorruptionSpec spec;
  if (text == "none" || text.empty()) return spec;
  size_t colon = text.find(':');
  if (colon == std::string::npos) throw Error(usage);
  spec.kind = text.substr(0, colon);
  std::vector<double> values = parse_numbers(text.substr(colon + 1), usage);
  if (values.size() != 1) throw Error(usage);
  spec.amount = values[0];
  if (spec.kind == "gaussian") {
    if (!(spec.amount > 0)) throw Error("--corrupt gaussian:STDDEV needs STDDEV > 0");
  } else if (spec.kind == "masking" || spec.kind == "saltpepper") {
    if (!(spec.amount > 0 && spec.amount < 1)) throw Error("--corrupt " + spec.kind + ":P needs 0 < P < 1");
  } else {
    throw Error(usage);
  }
  return spec;
}

std::string CorruptionSpec::str() const { return active() ? kind + ":" + number(amount) : "none"; }

SparsitySpec SparsitySpec::parse(const std::string& text) {
  const std::string usage = "--sparsity '" + text + "': expected none, l1:WEIGHT or kl:RHO,WEIGHT";
  SparsitySpec spec;
  if (text == "none" || text.empty()) return spec;
  size_t colon = text.find(':');
  if (colon == std::string::npos) throw Error(usage);
  spec.kind = text.substr(0, colon);
  std::vector<double> values = parse_numbers(text.substr(colon + 1), usage);
  if (spec.kind == "l1" && values.size() == 1) {
    spec.weight = values[0];
  } else if (spec.kind == "kl" && values.size() == 2) {
    spec.rho = values[0];
    spec.weight = values[1];
    if (!(spec.rho > 0 && spec.rho < 1)) throw Error("--sparsity kl:RHO,WEIGHT needs 0 < RHO < 1");
  } else {
    throw Error(usage);
  }
  if (!(spec.weight > 0)) throw Error("--sparsity: WEIGHT must be > 0");
  return spec;
}

std::string SparsitySpec::str() const {
  if (kind == "l1") return "l1:" + number(weight);
  if (kind == "kl") return "kl:" + number(rho) + "," + number(weight);
  return "none";
}

}  // namespace latent
