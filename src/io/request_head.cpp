#include "latent/io/request_head.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace latent {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const size_t start = s.find_first_not_of(" \t");
  if (start == std::string::npos) return "";
  return s.substr(start, s.find_last_not_of(" \t") - start + 1);
}

/// Letters, digits and a little punctuation of an outside value, short: safe to quote in a message.
std::string quoted(const std::string& value) {
  std::string out;
  for (char c : value.substr(0, 40))
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-' ? c : '?';
  return out;
}

HeadCheck refuse(int status, const char* code, const std::string& message) { return {status, code, message}; }

struct HeaderLine {
  std::string name;  ///< lower case
  std::string value;
};

std::vector<std::string> split_lines(const std::string& head) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = head.find("\r\n", start)) != std::string::npos; start = end + 2) {
    if (end == start) break;  // the blank line
    lines.push_back(head.substr(start, end - start));
  }
  return lines;
}

}  // namespace

HeadCheck check_request_head(std::string& head, const HeadLimits& limits) {
  if (head.size() > limits.max_head_bytes)
    return refuse(431, "headers_too_large",
                  "the request head is over " + std::to_string(limits.max_head_bytes) + " bytes");
  const std::vector<std::string> lines = split_lines(head);
  if (lines.empty()) return refuse(400, "bad_request", "no request line");
  if (lines[0].size() > limits.max_line_bytes)
    return refuse(414, "uri_too_long", "the request line is over " + std::to_string(limits.max_line_bytes) + " bytes");
  // METHOD SP TARGET SP HTTP/1.x: anything else is not a request whose headers mean anything.
  const std::string& request_line = lines[0];
  const size_t first_space = request_line.find(' '), last_space = request_line.rfind(' ');
  if (first_space == std::string::npos || first_space == 0 || last_space == first_space ||
      request_line.compare(last_space + 1, 7, "HTTP/1.") != 0 || request_line.size() != last_space + 9)
    return refuse(400, "bad_request", "the request line is not METHOD TARGET HTTP/1.x");
  if (lines.size() - 1 > limits.max_header_lines)
    return refuse(431, "headers_too_large", "more than " + std::to_string(limits.max_header_lines) + " headers");

  HeadCheck check;
  std::optional<uint64_t> content_length;
  bool has_transfer_encoding = false;
  std::string kept = lines[0] + "\r\n";
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.size() > limits.max_line_bytes)
      return refuse(431, "headers_too_large", "a header is over " + std::to_string(limits.max_line_bytes) + " bytes");
    const size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) return refuse(400, "bad_request", "a header line has no name");
    const HeaderLine header{lower(line.substr(0, colon)), trim(line.substr(colon + 1))};
    if (header.name == "range" || header.name == "if-range") continue;
    kept += line + "\r\n";
    if (header.name == "content-length") {
      if (header.value.empty() || header.value.size() > 18 ||
          header.value.find_first_not_of("0123456789") != std::string::npos)
        return refuse(400, "bad_request", "Content-Length is not a number");
      const uint64_t length = std::stoull(header.value);
      if (content_length && *content_length != length)
        return refuse(400, "bad_request", "two different Content-Length headers");
      content_length = length;
    } else if (header.name == "transfer-encoding") {
      if (has_transfer_encoding || lower(header.value) != "chunked")
        return refuse(501, "unsupported_transfer_encoding",
                      "Transfer-Encoding " + quoted(header.value) + ": only chunked is supported");
      has_transfer_encoding = check.chunked = true;
    } else if (header.name == "expect") {
      check.expects_continue = lower(header.value) == "100-continue";
    } else if (header.name == "content-encoding") {
      if (lower(header.value) != "identity")
        return refuse(415, "unsupported_encoding",
                      "Content-Encoding " + quoted(header.value) + ": send the body without a content encoding");
    } else if (header.name == "host" && limits.loopback_hosts_only) {
      if (!is_loopback_host(host_name(header.value)))
        return refuse(
            403, "forbidden_host",
            "Host " + quoted(header.value) + ": this server listens on loopback and answers to localhost only");
    }
  }
  if (content_length && has_transfer_encoding)
    return refuse(400, "bad_request", "both Content-Length and Transfer-Encoding");
  if (content_length && *content_length > limits.max_body)
    return refuse(413, "too_large",
                  "the body is " + std::to_string(*content_length) + " bytes; the limit is " +
                      std::to_string(limits.max_body) + " (--max-body)");
  check.content_length = content_length.value_or(0);
  check.declares_length = content_length.has_value();
  head = kept + "\r\n";
  return check;
}

std::string with_content_length(const std::string& head, size_t bytes) {
  std::string out;
  for (const std::string& line : split_lines(head)) {
    const std::string name = lower(line.substr(0, line.find(':')));
    if (!out.empty() && (name == "transfer-encoding" || name == "content-length" || name == "expect")) continue;
    out += line + "\r\n";
  }
  return out + "Content-Length: " + std::to_string(bytes) + "\r\n\r\n";
}

std::optional<uint64_t> parse_chunk_size(const std::string& line) {
  const std::string digits = trim(line.substr(0, line.find(';')));
  if (digits.empty() || digits.size() > 16 || digits.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
    return std::nullopt;
  return std::stoull(digits, nullptr, 16);
}

bool is_loopback_host(const std::string& host) {
  if (lower(host) == "localhost" || host == "::1") return true;
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

std::string host_name(const std::string& host_header) {
  const std::string value = trim(host_header);
  if (!value.empty() && value[0] == '[') return value.substr(1, value.find(']') - 1);
  return value.substr(0, value.find(':'));
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::string& longer = a.size() >= b.size() ? a : b;
  for (size_t i = 0; i < longer.size(); ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

}  // namespace latent
