#pragma once
// The head of an HTTP request (request line and header lines up to the blank line), checked by
// `latent serve` before cpp-httplib parses it: caps on its size, the body's framing and encoding,
// and the Host a loopback server answers to. No sockets here: tests and the fuzzer drive it with
// bytes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace latent {

struct HeadLimits {
  size_t max_head_bytes = size_t{16} << 10;  ///< request line + headers (431 above)
  size_t max_line_bytes = size_t{8} << 10;   ///< one line (414 for the request line, 431 for a header)
  size_t max_header_lines = 64;              ///< (431 above)
  size_t max_body = size_t{1} << 20;         ///< after decoding the framing (413 above)
  bool loopback_hosts_only = false;          ///< a loopback server: Host must name loopback (DNS rebinding)
};

/// What to do with a request after its head was read.
struct HeadCheck {
  int status = 0;  ///< 0: go on; otherwise answer with this status and close the connection
  std::string code, message;
  bool chunked = false;           ///< the body follows in chunks (Transfer-Encoding: chunked)
  bool expects_continue = false;  ///< Expect: 100-continue (the client waits for a go-ahead)
  uint64_t content_length = 0;    ///< the declared body's bytes (0: none, or chunked)
  bool declares_length = false;   ///< a Content-Length was given (without one or chunks: no body)
};

/// Checks `head` (ending "\r\n\r\n") against `limits` and drops its Range and If-Range headers
/// (the server sends every resource whole: many ranges would repeat a page thousands of times).
/// Refuses content encodings (415: no body is decoded, so none can inflate), transfer encodings
/// other than chunked (501), a Content-Length with Transfer-Encoding or twice with different
/// values (400), and a declared body over max_body (413). A request with neither Content-Length
/// nor Transfer-Encoding has no body (RFC 9112 6.3).
HeadCheck check_request_head(std::string& head, const HeadLimits& limits);

/// `head` with its Transfer-Encoding, Content-Length and Expect headers replaced by
/// Content-Length: bytes (a chunked body once the server has read and decoded it).
std::string with_content_length(const std::string& head, size_t bytes);

/// The size on a chunk-size line ("1a3f", "1a3f;name=value"), or nullopt when it is not hex.
std::optional<uint64_t> parse_chunk_size(const std::string& line);

/// "localhost", 127.0.0.0/8 and ::1, written as addresses (no name lookup: "127.evil.com" is not).
bool is_loopback_host(const std::string& host);

/// The host name of a Host header value: "[::1]:8080" → "::1", "localhost:80" → "localhost".
std::string host_name(const std::string& host_header);

/// Equal strings, in a time that depends only on their lengths (tokens).
bool constant_time_equal(const std::string& a, const std::string& b);

}  // namespace latent
