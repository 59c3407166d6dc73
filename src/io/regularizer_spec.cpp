#include "latent/io/regularizer_spec.h"

#include <cmath>
#include <sstream>
#include <vector>

#include "latent/base/error.h"

namespace latent {
std::optional<std::vector<double>> parse_numbers(const std::string& text) {
  std::vector<double> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      values.push_back(std::stod(item, &used));
      if (used != item.size() || !std::isfinite(values.back())) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      return std::nullopt;
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
  const SettingError usage("corrupt", "'" + text + "': expected none, gaussian:STDDEV, masking:P or saltpepper:P");
  CorruptionSpec spec;
  if (text == "none" || text.empty()) return spec;
  size_t colon = text.find(':');
  if (colon == std::string::npos) throw usage;
  const std::string kind = text.substr(0, colon);
  std::optional<CorruptionKind> found = find_part<CorruptionKind>(kind);
  std::optional<std::vector<double>> values = parse_numbers(text.substr(colon + 1));
  if (!found || found == CorruptionKind::none || !values || values->size() != 1) throw usage;
  spec.kind = *found;
  spec.amount = values->front();
  if (spec.kind == CorruptionKind::gaussian) {
    if (!(spec.amount > 0)) throw SettingError("corrupt", "gaussian:STDDEV needs STDDEV > 0");
  } else if (!(spec.amount > 0 && spec.amount < 1)) {
    throw SettingError("corrupt", kind + ":P needs 0 < P < 1");
  }
  return spec;
}

std::string CorruptionSpec::str() const { return active() ? name_of(kind) + ":" + number(amount) : "none"; }

AugmentSpec AugmentSpec::parse(const std::string& text) {
  const SettingError usage("augment",
                           "'" + text + "': expected none or a comma list of flip, shift:PIXELS, color:AMOUNT");
  AugmentSpec spec;
  if (text == "none" || text.empty()) return spec;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const size_t colon = item.find(':');
    const std::string kind = item.substr(0, colon);
    std::optional<std::vector<double>> value;
    if (colon != std::string::npos) value = parse_numbers(item.substr(colon + 1));
    if (kind == "flip" && colon == std::string::npos && !spec.flip) {
      spec.flip = true;
    } else if (kind == "shift" && value && value->size() == 1 && spec.shift == 0) {
      if (!((*value)[0] >= 1 && (*value)[0] <= 64 && (*value)[0] == std::floor((*value)[0])))
        throw SettingError("augment", "shift:PIXELS needs a whole number from 1 to 64");
      spec.shift = static_cast<int>((*value)[0]);
    } else if (kind == "color" && value && value->size() == 1 && spec.color == 0) {
      if (!((*value)[0] > 0 && (*value)[0] <= 0.5))
        throw SettingError("augment", "color:AMOUNT needs 0 < AMOUNT <= 0.5");
      spec.color = (*value)[0];
    } else {
      throw usage;
    }
  }
  return spec;
}

std::string AugmentSpec::str() const {
  std::vector<std::string> items;
  if (flip) items.push_back("flip");
  if (shift > 0) items.push_back("shift:" + std::to_string(shift));
  if (color > 0) items.push_back("color:" + number(color));
  if (items.empty()) return "none";
  std::string text = items[0];
  for (size_t i = 1; i < items.size(); ++i) text += "," + items[i];
  return text;
}

SparsitySpec SparsitySpec::parse(const std::string& text) {
  const SettingError usage("sparsity", "'" + text + "': expected none, l1:WEIGHT or kl:RHO,WEIGHT");
  SparsitySpec spec;
  if (text == "none" || text.empty()) return spec;
  size_t colon = text.find(':');
  if (colon == std::string::npos) throw usage;
  const std::string kind = text.substr(0, colon);
  std::optional<std::vector<double>> values = parse_numbers(text.substr(colon + 1));
  if (!values) throw usage;
  if (kind == "l1" && values->size() == 1) {
    spec.kind = SparsityKind::l1;
    spec.weight = (*values)[0];
  } else if (kind == "kl" && values->size() == 2) {
    spec.kind = SparsityKind::kl;
    spec.rho = (*values)[0];
    spec.weight = (*values)[1];
    if (!(spec.rho > 0 && spec.rho < 1)) throw SettingError("sparsity", "kl:RHO,WEIGHT needs 0 < RHO < 1");
  } else {
    throw usage;
  }
  if (!(spec.weight > 0)) throw SettingError("sparsity", "WEIGHT must be > 0");
  return spec;
}

std::string SparsitySpec::str() const {
  switch (kind) {
    case SparsityKind::l1:
      return "l1:" + number(weight);
    case SparsityKind::kl:
      return "kl:" + number(rho) + "," + number(weight);
    case SparsityKind::none:
      break;
  }
  return "none";
}

}  // namespace latent
