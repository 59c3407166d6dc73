#pragma once
// What `latent serve` accepts from the network, checked before anything is allocated for it:
// the image of a request (PNG/JPEG bytes or JSON {"pixels": [...]}) and its query parameters.
// No torch and no HTTP here, so the fuzzer can drive it with raw bytes.
#include <cstdint>
#include <string>
#include <vector>

#include "latent/base/error.h"
#include "latent/io/image_layout.h"
#include "latent/io/raw_data.h"

namespace latent {

/// A request the server refuses: the HTTP status, a short machine-readable code and a message
/// that says what was wrong.
struct RequestError : Error {
  RequestError(int status, std::string code, const std::string& message)
      : Error(message), status(status), code(std::move(code)) {}
  int status;
  std::string code;
};

/// What the model takes: {1, H, W} images (pixels 0..255) or {D} table rows (any finite value).
struct InputShape {
  std::vector<int64_t> sample_shape;
  bool is_image = true;
  ImageLayout layout;  ///< how an uploaded image becomes the model's pixels (any size in)
  int64_t size() const;
  std::string describe() const;  ///< "28x28 image" or "12 values"
};

/// Default request body limit (the server answers 413 above it).
constexpr size_t kMaxRequestBody = size_t{1} << 20;

/// The input values in raw data units (pixels 0..255), shape.size() of them, from a body that is
///   - PNG or JPEG bytes (content type image/png, image/jpeg, or recognised by its signature),
///     grayscale or converted to it, exactly the model's H×W (checked from the header before
///     decoding), or
///   - JSON {"pixels": [v0, v1, ...]} with exactly shape.size() finite numbers (0..255 for images);
///     the array is read as a stream and refused as soon as it is longer than that.
/// An empty body or a JSON object without "pixels" gives an empty vector when !required.
/// Throws RequestError (400 bad input, 413 too large, 415 unknown content type).
std::vector<float> parse_input_body(const std::string& body, const std::string& content_type, const InputShape& shape,
                                    bool required = true, size_t max_body = kMaxRequestBody);

/// A table row from JSON {"columns": {"age": 61, "city": "paris", ...}}, one cell per column of
/// the model (`numbers` then `words`, as TableSchema::names gives them): a number or a string
/// (a number's text in a column of numbers), absent or null when missing. A key that names no
/// column, a word in a column of numbers or any other value is a RequestError 400.
RawData parse_table_row(const std::string& body, const std::vector<std::string>& numbers,
                        const std::vector<std::string>& words, size_t max_body = kMaxRequestBody);

/// A query parameter as an integer in [lo, hi]; absent (empty) gives fallback. RequestError 400 otherwise.
int64_t parse_int_param(const std::string& name, const std::string& value, int64_t lo, int64_t hi, int64_t fallback);
/// The same for a finite number in [lo, hi].
double parse_double_param(const std::string& name, const std::string& value, double lo, double hi, double fallback);

/// Standard base64 (RFC 4648, with padding): PNGs inside JSON responses.
std::string base64_encode(const std::string& bytes);

}  // namespace latent
