#pragma once
// cpp-httplib's server with the connection handling `latent serve` needs under faults:
//   - one thread per connection up to max_connections, at most max_connections_per_client of them
//     for one client address (slow or idle clients wait in their own thread and cannot hold up
//     anyone else); above it new connections get 503 at once;
//   - a request must arrive completely within request_timeout of its first byte (slow-loris
//     clients are cut off with 408), its response must be sent within response_timeout after
//     that, and an idle keep-alive connection is closed after keep_alive_timeout;
//   - every request head is checked before cpp-httplib parses it (request_head.h: sizes,
//     framing, encodings, Host) and every body is capped as it arrives;
//   - shutdown() stops accepting, closes idle connections at once and lets requests in flight
//     finish; listen() then returns.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include <httplib.h>

#include "latent/io/request_head.h"

namespace latent {

struct HttpLimits {
  int max_connections = 1024;           ///< open connections served at once (bind() lowers it to the fd limit)
  int max_connections_per_client = 64;  ///< of them from one client address
  double request_timeout = 10;          ///< seconds from a request's first byte to its last
  double response_timeout = 30;         ///< seconds to send a response once the request is in
  double keep_alive_timeout = 5;        ///< seconds an idle connection stays open
  HeadLimits head;                      ///< request heads and bodies (max_body, loopback Host)
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
  /// Binds host:port (0: any free port); returns the port, or -1. Raises the open-file limit to
  /// its hard maximum and lowers max_connections to fit in it, so that accept() never runs out
  /// of descriptors (connections over the limit are answered 503 and closed). Then run().
  int bind(const std::string& host, int port);
  /// Serves until shutdown(); returns at once if shutdown() came first.
  void run();
  /// Safe to call from any thread, more than once, before or during run().
  void shutdown();
  HttpStats stats() const;
  const HttpLimits& limits() const { return limits_; }

 private:
  bool process_and_close_socket(socket_t sock) override;
  /// Counts a connection from `client` (false: that client has its share open already).
  bool admit(const std::string& client);
  void release(const std::string& client);

  HttpLimits limits_;
  int stop_pipe_[2] = {-1, -1};  ///< readable once shutdown() ran: wakes idle connections
  std::atomic<bool> stopping_{false}, running_{false}, returned_{false};
  std::mutex clients_mutex_;
  std::unordered_map<std::string, int> open_per_client_;
  std::atomic<int64_t> open_{0}, connections_{0}, rejected_{0}, timed_out_{0};
};

}  // namespace latent
