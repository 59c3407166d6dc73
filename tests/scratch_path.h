#pragma once
// A path in the temporary directory that no other test process uses.
#include <unistd.h>

#include <filesystem>
#include <string>

namespace latent::testing {

inline std::string scratch_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("latent_test_" + std::to_string(getpid()) + "_" + name)).string();
}

}  // namespace latent::testing
