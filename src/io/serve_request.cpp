#include "latent/io/serve_request.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "latent/base/shape_size.h"
#include "latent/io/image_pixels.h"
#include "latent/io/png_inflation.h"
#include "latent/io/regularizer_spec.h"

namespace latent {
namespace {

RequestError bad(const std::string& code, const std::string& message) { return RequestError(400, code, message); }

bool starts_with(const std::string& s, const char* prefix, size_t n) {
  return s.size() >= n && std::memcmp(s.data(), prefix, n) == 0;
}

bool is_png(const std::string& body) { return starts_with(body, "\x89PNG\r\n\x1a\n", 8); }
bool is_jpeg(const std::string& body) { return starts_with(body, "\xff\xd8\xff", 3); }

/// Streams {"pixels": [numbers]} into a vector reserved to the expected size: a body claiming
/// more values stops at the first one too many, nested or unknown content stops at once.
class PixelsReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  PixelsReader(const InputShape& shape, std::vector<float>& out) : shape_(shape), out_(out) {
    out_.reserve(shape.size());
  }

  bool null() override { return value_error("null"); }
  bool boolean(bool) override { return value_error("a boolean"); }
  bool number_integer(number_integer_t v) override { return number(static_cast<double>(v)); }
  bool number_unsigned(number_unsigned_t v) override { return number(static_cast<double>(v)); }
  bool number_float(number_float_t v, const string_t&) override { return number(v); }
  bool string(string_t&) override { return value_error("a string"); }
  bool binary(binary_t&) override { return value_error("binary data"); }
  bool start_object(std::size_t) override {
    if (depth_++ == 0) return true;
    return fail("pixels must be a flat array of numbers, found an object");
  }
  bool key(string_t& key) override {
    if (key != "pixels") return fail("unknown field \"" + key.substr(0, 40) + "\"; the body is {\"pixels\": [...]}");
    if (seen_pixels_) return fail("\"pixels\" appears twice");
    seen_pixels_ = true;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ == 1 && !in_array_ && seen_pixels_ && !array_done_) return in_array_ = true;
    return fail(depth_ == 0 ? "the body must be a JSON object {\"pixels\": [...]}"
                            : "pixels must be a flat array of numbers, found a nested array");
  }
  bool end_array() override {
    in_array_ = false;
    array_done_ = true;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception&) override {
    return fail("bad JSON at byte " + std::to_string(position));
  }

  const std::string& error() const { return error_; }
  bool saw_pixels() const { return seen_pixels_; }

 private:
  bool number(double v) {
    if (!in_array_)
      return fail(depth_ == 0 ? "the body must be a JSON object {\"pixels\": [...]}" : "pixels must be an array");
    const size_t i = out_.size();
    if (static_cast<int64_t>(i) >= shape_.size())
      return fail("pixels has more than " + std::to_string(shape_.size()) + " values; the model takes a " +
                  shape_.describe());
    if (!std::isfinite(v)) return fail("pixels[" + std::to_string(i) + "] is not a finite number");
    if (shape_.is_image && (v < 0 || v > 255))
      return fail("pixels[" + std::to_string(i) + "] = " + std::to_string(v) + " is outside 0..255");
    out_.push_back(static_cast<float>(v));
    return true;
  }
  bool value_error(const char* what) {
    if (!in_array_) return fail(std::string("unexpected ") + what + "; the body is {\"pixels\": [...]}");
    return fail("pixels[" + std::to_string(out_.size()) + "] is " + what + ", not a number");
  }
  bool fail(const std::string& message) {
    if (error_.empty()) error_ = message;
    return false;
  }

  const InputShape& shape_;
  std::vector<float>& out_;
  int depth_ = 0;
  bool seen_pixels_ = false, in_array_ = false, array_done_ = false;
  std::string error_;
};

std::vector<float> parse_json_pixels(const std::string& body, const InputShape& shape, bool required) {
  std::vector<float> pixels;
  PixelsReader reader(shape, pixels);
  bool ok = nlohmann::json::sax_parse(body, &reader, nlohmann::json::input_format_t::json, true, true);
  if (!ok) throw bad("bad_json", reader.error().empty() ? "bad JSON body" : reader.error());
  if (!reader.saw_pixels()) {
    if (required) throw bad("missing_pixels", "the body has no \"pixels\"; send {\"pixels\": [...]} or a PNG");
    return {};
  }
  if (static_cast<int64_t>(pixels.size()) != shape.size())
    throw bad("wrong_size", "pixels has " + std::to_string(pixels.size()) + " values; the model takes a " +
                                shape.describe() + " (" + std::to_string(shape.size()) + " values)");
  return pixels;
}

std::vector<float> decode_image(const std::string& body, const InputShape& shape) {
  if (!shape.is_image) throw bad("not_an_image_model", "this model takes " + shape.describe() + ", not an image");
  // PNG and JPEG only: stb would also take BMP, GIF, PSD, TGA, HDR... from the network.
  if (!is_png(body) && !is_jpeg(body))
    throw RequestError(415, "unsupported_type", "the image is not a PNG or JPEG (checked by its first bytes)");
  // At most 2048x2048: decoding one costs ~80 MB, and several requests decode at once.
  constexpr int64_t kMaxUploadPixels = int64_t{2048} * 2048;
  Pixels pixels;
  try {
    pixels = decode_pixels(reinterpret_cast<const unsigned char*>(body.data()), body.size(), "the image", shape.layout,
                           kMaxUploadPixels);
  } catch (const Error& e) {
    throw bad("bad_image", e.what());
  }
  if (static_cast<int64_t>(pixels.values.size()) != shape.size())
    throw bad("wrong_size", "the image is " + std::to_string(pixels.width) + "x" + std::to_string(pixels.height) +
                                "; the model takes a " + shape.describe());
  return std::move(pixels.values);
}

}  // namespace

int64_t InputShape::size() const { return shape_size(sample_shape); }

std::string InputShape::describe() const {
  if (is_image && sample_shape.size() == 3)
    return std::to_string(sample_shape[2]) + "x" + std::to_string(sample_shape[1]) + " image";
  return std::to_string(size()) + " values";
}

std::vector<float> parse_input_body(const std::string& body, const std::string& content_type, const InputShape& shape,
                                    bool required, size_t max_body) {
  if (body.size() > max_body)
    throw RequestError(
        413, "too_large",
        "the body has " + std::to_string(body.size()) + " bytes; the limit is " + std::to_string(max_body));
  size_t start = body.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) {
    if (required) throw bad("empty_body", "the body is empty; send {\"pixels\": [...]} or a PNG");
    return {};
  }
  const std::string type = content_type.substr(0, content_type.find(';'));
  if (type == "application/json" || (type.empty() && body[start] == '{'))
    return parse_json_pixels(body, shape, required);
  if (type == "image/png" || type == "image/jpeg" ||
      ((type.empty() || type == "application/octet-stream") && (is_png(body) || is_jpeg(body))))
    return decode_image(body, shape);
  throw RequestError(
      415, "unsupported_type",
      "content type \"" + type.substr(0, 60) + "\": send application/json {\"pixels\": [...]} or image/png");
}

int64_t parse_int_param(const std::string& name, const std::string& value, int64_t lo, int64_t hi, int64_t fallback) {
  if (value.empty()) return fallback;
  errno = 0;
  char* end = nullptr;
  // strtoll would skip leading spaces; a parameter is the number and nothing else.
  const bool space = std::isspace(static_cast<unsigned char>(value[0]));
  long long v = space ? (errno = EINVAL, 0) : std::strtoll(value.c_str(), &end, 10);
  if (errno != 0 || end != value.c_str() + value.size() || v < lo || v > hi)
    throw bad("bad_parameter", name + "=" + value.substr(0, 40) + ": expected an integer in " + std::to_string(lo) +
                                   ".." + std::to_string(hi));
  return v;
}

double parse_double_param(const std::string& name, const std::string& value, double lo, double hi, double fallback) {
  if (value.empty()) return fallback;
  errno = 0;
  char* end = nullptr;
  const bool space = std::isspace(static_cast<unsigned char>(value[0]));  // as above
  double v = space ? (errno = EINVAL, 0.0) : std::strtod(value.c_str(), &end);
  if (errno != 0 || end != value.c_str() + value.size() || !std::isfinite(v) || v < lo || v > hi)
    throw bad("bad_parameter", name + "=" + value.substr(0, 40) + ": expected a number in " + std::to_string(lo) +
                                   ".." + std::to_string(hi));
  return v;
}

std::string base64_encode(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | (i + 1 < bytes.size() ? uint32_t(uint8_t(bytes[i + 1])) << 8 : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

RawData parse_table_row(const std::string& body, const std::vector<std::string>& numbers,
                        const std::vector<std::string>& words, size_t max_body) {
  if (body.size() > max_body)
    throw RequestError(
        413, "too_large",
        "the body has " + std::to_string(body.size()) + " bytes; the limit is " + std::to_string(max_body));
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("columns") || !j.at("columns").is_object())
    throw bad("bad_json", "send a table row as {\"columns\": {\"name\": value, ...}}");
  const nlohmann::json& cells = j.at("columns");
  RawData raw;
  raw.sample_shape = {static_cast<int64_t>(numbers.size() + words.size())};
  for (const auto& [key, value] : cells.items())
    if (std::find(numbers.begin(), numbers.end(), key) == numbers.end() &&
        std::find(words.begin(), words.end(), key) == words.end())
      throw bad("unknown_column", "the model has no column '" + key.substr(0, 80) + "'");
  for (const std::string& name : numbers) {
    const nlohmann::json cell = cells.value(name, nlohmann::json());
    float v = std::numeric_limits<float>::quiet_NaN();
    if (cell.is_number()) {
      v = cell.get<float>();
    } else if (cell.is_string()) {
      const std::optional<std::vector<double>> number = parse_numbers(cell.get<std::string>());
      if (!number || number->size() != 1)
        throw bad("bad_value", "column '" + name + "' holds numbers: '" + cell.get<std::string>().substr(0, 40) + "'");
      v = static_cast<float>(number->front());
    } else if (!cell.is_null()) {
      throw bad("bad_value", "column '" + name + "': expected a number, a string or null");
    }
    if (!std::isnan(v) && !std::isfinite(v)) throw bad("bad_value", "column '" + name + "': not a finite number");
    raw.values.push_back(v);
    raw.table.names.push_back(name);
    raw.table.is_words.push_back(false);
    raw.table.words.emplace_back();
  }
  for (const std::string& name : words) {
    const nlohmann::json cell = cells.value(name, nlohmann::json());
    std::vector<std::string> word;
    if (cell.is_string()) word.push_back(cell.get<std::string>());
    else if (cell.is_number()) word.push_back(cell.dump());
    else if (!cell.is_null()) throw bad("bad_value", "column '" + name + "': expected a string, a number or null");
    raw.values.push_back(word.empty() ? std::numeric_limits<float>::quiet_NaN() : 0.0f);
    raw.table.names.push_back(name);
    raw.table.is_words.push_back(true);
    raw.table.words.push_back(std::move(word));
  }
  if (std::all_of(raw.values.begin(), raw.values.end(), [](float v) { return std::isnan(v); }))
    throw bad("empty_row", "every value of the row is missing");
  return raw;
}

}  // namespace latent
