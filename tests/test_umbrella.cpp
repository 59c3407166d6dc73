// The umbrella header all.h compiles on its own and brings in the whole public interface.
#include "latent/all.h"

#include <gtest/gtest.h>

TEST(Umbrella, DeclaresEveryLayer) {
  latent::ModelSpec spec;
  spec.input_shape = {784};
  spec.latent = 8;
  EXPECT_NO_THROW(spec.validate());
  spec.latent = 0;
  EXPECT_THROW(spec.validate(), latent::Error);
}
