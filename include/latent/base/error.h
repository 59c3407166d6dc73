#pragma once
// latent::Error is bad input from outside (a file, a flag, a request): the message says what
// was wrong and what to do. The CLI prints it on one line and exits 2.
#include <stdexcept>
#include <string>

namespace latent {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace latent
