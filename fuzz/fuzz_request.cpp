// What `latent serve` parses from the network: a request body (JSON {"pixels": [...]}, PNG or
// JPEG) under one of the content types, for a 28x28 image model or a 12-value table model, the
// same body as a table row ({"columns": {...}}) for a model of two numbers and two categories, and
// the query parameters. The first byte picks the content type, the shape and the parameter.
#include "fuzz_common.h"
#include "latent/io/serve_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const char* types[] = {"",
                                "application/json",
                                "image/png",
                                "image/jpeg",
                                "application/octet-stream",
                                "application/json; charset=utf-8",
                                "text/plain",
                                "image/png; q=1"};
  const uint8_t pick = data[0];
  latent::InputShape shape;
  shape.is_image = (pick & 8) == 0;
  shape.sample_shape = shape.is_image ? std::vector<int64_t>{1, 28, 28} : std::vector<int64_t>{12};
  shape.layout = shape.layout.for_input(shape.sample_shape);  // as the server sets it
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    latent::parse_input_body(body, types[pick & 7], shape, (pick & 16) == 0);
  } catch (const latent::Error&) {
  }
  try {
    latent::parse_table_row(body, {"age", "income"}, {"city", "plan"});
  } catch (const latent::Error&) {
  }
  // The same bytes as a query parameter value (the server takes k, seed, count, spread).
  const std::string param = body.substr(0, 64);
  try {
    latent::parse_int_param("k", param, 1, 1000, 10);
  } catch (const latent::Error&) {
  }
  LATENT_FUZZ_GUARD(latent::parse_double_param("spread", param, 0, 10, 1));
}
