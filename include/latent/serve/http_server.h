#pragma once
// cpp-httplib's server with the connection handling `latent serve` needs under faults:
//   - one thread per connection up to max_connections (slow or idle clients wait in their own
//     thread and cannot hold up anyone else); above it new connections get 503 at once;
//   - a request must arrive completely within request_timeout of its first byte (slow-loris
//     clients are cut off with 408), and an idle keep-alive connection is closed after
//     keep_alive_timeout;
//   - shutdown() stops accepting, closes idle connections at once and lets requests in flight
//     finish; listen() then returns.
#include <atomic>
#include <cstdint>
#include <string>

#include <httplib.h>

namespace latent {

struct HttpLimits {
  int max_connections = 1024;     ///< open connections served at once
  double request_timeout = 10;    ///< seconds from a request's first byte to its last
  double keep_alive_timeout = 5;  ///< seconds an idle connection stays open
  size_t max_body = size_t{1} << 20;
};

struct HttpStats {
  int64_t open_connections = 0;
  int64_t connections = 0;  ///< accepted in total
  int64_t rejected = 0;     ///< turned away with 503 (over max_connections)
  int64_t timed_out = 0;    ///< cut off with 408 (request slower than request_timeout)
};

class HttpServer : public httplib::Server {
 public:
  explicit HttpServer(HttpLimits limits);
  ~HttpServer() override;
  /// Binds host:port (0: any free port); returns the port, or -1. Then listen_after_bind().
  int bind(const std::string& host, int port);
  /// Safe to call from any thread, more than once.
  void shutdown();
  HttpStats stats() const;
  const HttpLimits& limits() const { return limits_; }

 private:
  bool process_and_close_socket(socket_t sock) override;

  HttpLimits limits_;
  int stop_pipe_[2] = {-1, -1};  ///< readable once shutdown() ran: wakes idle connections
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> open_{0}, connections_{0}, rejected_{0}, timed_out_{0};
};

}  // namespace latent
