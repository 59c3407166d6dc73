#include "latent/serve/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

namespace latent {
namespace {

using Clock = std::chrono::steady_clock;

/// Set on the accepting thread while it closes a connection over the limit itself.
thread_local bool t_over_limit = false;

int poll_retry(pollfd* fds, nfds_t n, int timeout_ms) {
  const auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int r = ::poll(fds, n, timeout_ms);
    if (r >= 0 || errno != EINTR) return r;
    timeout_ms = static_cast<int>(
        std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count()));
  }
}

int wait_for(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  return poll_retry(&p, 1, timeout_ms);
}

int to_ms(double seconds) { return static_cast<int>(std::clamp(seconds * 1000.0, 0.0, 3.6e6)); }

void send_best_effort(int sock, const std::string& response) {
  (void)!::send(sock, response.data(), response.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/// After an answer the client may not expect (408): send FIN, then read and drop what the
/// client still sends for up to a second, so closing does not reset the connection (a reset
/// can discard the answer before the client reads it).
void linger_close(int sock) {
  ::shutdown(sock, SHUT_WR);
  const auto end = Clock::now() + std::chrono::seconds(1);
  char sink[4096];
  while (Clock::now() < end && wait_for(sock, POLLIN, 250) > 0)
    if (::recv(sock, sink, sizeof(sink), 0) <= 0) break;
}

std::string json_response(const char* status, const char* code, const char* message) {
  std::string body = std::string("{\"error\":{\"code\":\"") + code + "\",\"message\":\"" + message + "\"}}";
  return std::string("HTTP/1.1 ") + status +
         "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

/// One thread per connection, at most `limit` of them; shutdown() waits for all to finish.
class ConnectionThreads : public httplib::TaskQueue {
 public:
  explicit ConnectionThreads(int limit) : limit_(limit) {}

  void enqueue(std::function<void()> fn) override {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (active_ < limit_) {
        ++active_;
        lock.unlock();
        try {
          std::thread([this, fn = std::move(fn)] {
            fn();
            std::lock_guard<std::mutex> done(mutex_);
            if (--active_ == 0) idle_.notify_all();
          }).detach();
          return;
        } catch (const std::system_error&) {  // no thread to be had: turn the client away
          lock.lock();
          if (--active_ == 0) idle_.notify_all();
        }
      }
    }
    t_over_limit = true;
    fn();
    t_over_limit = false;
  }

  void shutdown() override {
    std::unique_lock<std::mutex> lock(mutex_);
    idle_.wait(lock, [this] { return active_ == 0; });
  }

 private:
  const int limit_;
  std::mutex mutex_;
  std::condition_variable idle_;
  int active_ = 0;
};

/// httplib::Stream over a connected socket with a buffered reader. Reads give up at the
/// request's deadline; waiting for the next request also ends when the server stops.
class ConnectionStream : public httplib::Stream {
 public:
  ConnectionStream(int sock, int stop_fd, const HttpLimits& limits) : sock_(sock), stop_fd_(stop_fd), limits_(limits) {}

  /// True when a request has started to arrive within `timeout_ms`; false on timeout, when the
  /// peer hung up, or when the server is stopping.
  bool wait_for_request() {
    if (begin_ < end_) return true;
    pollfd fds[2] = {{sock_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (poll_retry(fds, 2, to_ms(limits_.keep_alive_timeout)) <= 0) return false;
    if (fds[1].revents) return false;
    return (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
  }
  void start_request() {
    deadline_ = Clock::now() + std::chrono::milliseconds(to_ms(limits_.request_timeout));
    timed_out_ = false;
  }
  bool timed_out() const { return timed_out_; }

  bool is_readable() const override { return begin_ < end_ || wait_for(sock_, POLLIN, 0) > 0; }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, to_ms(limits_.request_timeout)) > 0; }

  ssize_t read(char* ptr, size_t size) override {
    if (begin_ < end_) return take(ptr, size);
    int left =
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count());
    int ready = left > 0 ? wait_for(sock_, POLLIN, left) : 0;
    if (ready == 0) timed_out_ = true;
    if (ready <= 0) return -1;
    if (size >= sizeof(buffer_)) return recv_retry(ptr, size);
    ssize_t n = recv_retry(buffer_, sizeof(buffer_));
    if (n <= 0) return n;
    begin_ = 0;
    end_ = static_cast<size_t>(n);
    return take(ptr, size);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (wait_for(sock_, POLLOUT, to_ms(limits_.request_timeout)) <= 0) return -1;
    for (;;) {
      ssize_t n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
      if (n >= 0 || errno != EINTR) return n;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { address(::getpeername, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address(::getsockname, ip, port); }
  socket_t socket() const override { return sock_; }

 private:
  ssize_t take(char* ptr, size_t size) {
    size_t n = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_ + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t recv_retry(char* ptr, size_t size) {
    for (;;) {
      ssize_t n = ::recv(sock_, ptr, size, 0);
      if (n >= 0 || errno != EINTR) return n;
    }
  }
  template <typename Fn>
  void address(Fn fn, std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    ip.clear();
    port = 0;
    if (fn(sock_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&addr);
      inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
      port = ntohs(a->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
      inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
      port = ntohs(a->sin6_port);
    }
    ip = text;
  }

  const int sock_, stop_fd_;
  const HttpLimits& limits_;
  Clock::time_point deadline_ = Clock::now();
  bool timed_out_ = false;
  char buffer_[4096];
  size_t begin_ = 0, end_ = 0;
};

}  // namespace

HttpServer::HttpServer(HttpLimits limits) : limits_(limits) {
  if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  new_task_queue = [this] { return new ConnectionThreads(limits_.max_connections); };
  set_payload_max_length(limits_.max_body);
  // Only for the Keep-Alive header httplib writes: the connection loop below enforces both.
  set_keep_alive_timeout(static_cast<time_t>(std::ceil(limits_.keep_alive_timeout)));
  set_keep_alive_max_count(1000000);
}

HttpServer::~HttpServer() {
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
}

int HttpServer::bind(const std::string& host, int port) {
  if (port == 0 ? (port = bind_to_any_port(host)) < 0 : !bind_to_port(host, port)) return -1;
  // httplib listens with a backlog of 5: a burst of connections would be reset by the kernel
  // before the accept loop sees them. Listening again raises it.
  ::listen(svr_sock_, SOMAXCONN);
  return port;
}

void HttpServer::shutdown() {
  if (stopping_.exchange(true)) return;
  (void)!::write(stop_pipe_[1], "x", 1);
  stop();
}

HttpStats HttpServer::stats() const { return {open_.load(), connections_.load(), rejected_.load(), timed_out_.load()}; }

bool HttpServer::process_and_close_socket(socket_t sock) {
  if (t_over_limit) {
    ++rejected_;
    send_best_effort(sock, json_response("503 Service Unavailable", "too_many_connections",
                                         "the server has as many connections open as it serves; try again"));
    ::close(sock);
    return false;
  }
  ++open_;
  ++connections_;
  // httplib sends the headers and the body in two writes: with Nagle's algorithm the body would
  // wait for the client's delayed ACK (40 ms on Linux) on every keep-alive request.
  const int one = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  ConnectionStream stream(sock, stop_pipe_[0], limits_);
  bool ok = true;
  while (!stopping_ && stream.wait_for_request()) {
    stream.start_request();
    bool closed = false;
    ok = process_request(stream, stopping_.load(), closed, nullptr);
    if (!ok && stream.timed_out()) {
      ++timed_out_;
      send_best_effort(sock,
                       json_response("408 Request Timeout", "request_timeout", "the request did not arrive in time"));
      linger_close(sock);
    }
    if (!ok || closed) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  --open_;
  return ok;
}

}  // namespace latent
