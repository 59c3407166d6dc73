#include "latent/io/model_parts.h"

#include "latent/base/error.h"

namespace latent {

void throw_unknown_part(const std::string& setting, const std::string& text, const std::string& names) {
  throw SettingError(setting, "'" + text + "': expected " + names);
}

}  // namespace latent
