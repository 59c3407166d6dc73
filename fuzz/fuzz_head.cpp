// The head of an HTTP request as `latent serve` checks it before cpp-httplib parses it (sizes,
// framing, encodings, Host), and a chunk-size line. The first byte picks the limits.
#include "fuzz_common.h"
#include "latent/io/request_head.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  latent::HeadLimits limits;
  limits.loopback_hosts_only = (data[0] & 1) != 0;
  limits.max_header_lines = 1 + (data[0] >> 3);
  limits.max_line_bytes = 64u << (data[0] & 6);
  limits.max_body = 1000;
  std::string head(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string original = head;
  const latent::HeadCheck check = latent::check_request_head(head, limits);
  // A head that passes is no longer than it was (headers are only dropped), still ends with
  // the blank line, and stays the same after a second check.
  if (check.status == 0) {
    if (head.size() > original.size() + 2 || head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0)
      std::abort();
    std::string again = head;
    if (latent::check_request_head(again, limits).status != 0 || again != head) std::abort();
    if (check.chunked) (void)latent::with_content_length(head, 10);
  }
  (void)latent::parse_chunk_size(original.substr(0, 40));
  (void)latent::is_loopback_host(latent::host_name(original.substr(0, 80)));
  return 0;
}
