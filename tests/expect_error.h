#pragma once
// Checks that a call throws latent::Error with a message that says what was wrong.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "latent/base/error.h"

namespace latent::testing {

inline void expect_error(const std::function<void()>& fn, const std::string& fragment) {
  try {
    fn();
    FAIL() << "expected latent::Error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

}  // namespace latent::testing
