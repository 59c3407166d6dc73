#pragma once
// latent::Error is bad input from outside (a file, a flag, a request): the message says what
// was wrong and what to do. The CLI prints it on one line and exits 2.
#include <stdexcept>
#include <string>

namespace latent {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A setting with a value that cannot be used. `setting` names it as a model file or a request
/// does ("code activation"), `problem` says what is wrong with it; the message is the two joined.
/// The CLI names the flag instead of the setting.
struct SettingError : Error {
  SettingError(std::string setting_name, std::string what_is_wrong)
      : Error(setting_name + " " + what_is_wrong),
        setting(std::move(setting_name)),
        problem(std::move(what_is_wrong)) {}
  std::string setting, problem;
};

}  // namespace latent
