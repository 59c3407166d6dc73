#include "latent/serve/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

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

const char* reason_phrase(int status) {
  switch (status) {
    case 403:
      return "Forbidden";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Bad Request";
  }
}

/// A whole error response, written by the connection loop itself (no httplib::Response).
std::string json_response(int status, const std::string& code, const std::string& message) {
  const std::string body = nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump();
  return "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
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

/// How a request head arrived.
enum class Arrival { ready, closed, timed_out, too_large };

/// httplib::Stream over a connected socket with a buffered reader. Reads give up at the
/// request's deadline; waiting for the next request also ends when the server stops. The head of
/// each request is read and checked (check_request_head) before httplib sees any of it, and the
/// body is capped as it arrives.
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
    write_deadline_.reset();
    timed_out_ = false;
  }
  bool timed_out() const { return timed_out_; }
  /// Gives back a large request's buffer once it has been read (idle connections stay small).
  void release_buffer() {
    if (begin_ != end_ || buffer_.capacity() <= 2 * kReadSize) return;
    std::vector<char>().swap(buffer_);
    begin_ = end_ = 0;
  }

  /// Reads the request head and checks it; a chunked body is read and decoded here (at most
  /// max_body bytes) and handed on with a Content-Length. Afterwards the buffer holds the
  /// checked head (and body) for httplib.
  HeadCheck prepare_request(const HeadLimits& head_limits) {
    size_t head_end = 0;
    switch (read_head(head_limits.max_head_bytes, head_end)) {
      case Arrival::closed:
        return {-1, "", ""};
      case Arrival::timed_out:
        return {408, "request_timeout", "the request did not arrive in time"};
      case Arrival::too_large:
        return {431, "headers_too_large",
                "the request head is over " + std::to_string(head_limits.max_head_bytes) + " bytes"};
      case Arrival::ready:
        break;
    }
    std::string head(buffer_.data() + begin_, head_end);
    begin_ += head_end;
    HeadCheck check = check_request_head(head, head_limits);
    if (check.status != 0) return check;
    std::string body;
    if (check.chunked) {
      if (check.expects_continue) {
        static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        (void)write(kContinue, sizeof(kContinue) - 1);
        write_deadline_.reset();  // for the response, later
      }
      HeadCheck decoded = read_chunked(body, head_limits.max_body);
      if (decoded.status != 0) return decoded;
      head = with_content_length(head, body.size());
    } else {
      // Without a length or chunks there is no body: said to httplib, which would wait for one.
      if (!check.declares_length) head = with_content_length(head, 0);
      // The whole body is here before httplib reads it: a client that stops sending gets 408
      // at the request's deadline.
      while (end_ - begin_ < check.content_length)
        if (!fill())
          return timed_out_ ? HeadCheck{408, "request_timeout", "the request did not arrive in time"}
                            : HeadCheck{-1, "", ""};
    }
    std::vector<char> next;
    next.reserve(head.size() + body.size() + (end_ - begin_));
    next.insert(next.end(), head.begin(), head.end());
    next.insert(next.end(), body.begin(), body.end());
    next.insert(next.end(), buffer_.begin() + static_cast<std::ptrdiff_t>(begin_),
                buffer_.begin() + static_cast<std::ptrdiff_t>(end_));
    buffer_.swap(next);
    begin_ = 0;
    end_ = buffer_.size();
    return check;
  }

  bool is_readable() const override { return begin_ < end_ || wait_for(sock_, POLLIN, 0) > 0; }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, write_ms_left()) > 0; }

  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_ && !fill()) return -1;
    const size_t n = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_.data() + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  /// A response as a whole must be sent by its deadline: a client reading slowly cannot hold a
  /// connection thread for longer.
  ssize_t write(const char* ptr, size_t size) override {
    if (wait_for(sock_, POLLOUT, write_ms_left()) <= 0) return -1;
    for (;;) {
      ssize_t n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
      if (n >= 0 || errno != EINTR) return n;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { address(::getpeername, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address(::getsockname, ip, port); }
  // httplib, built without CPPHTTPLIB_USE_POLL, answers 500 to a socket number >= FD_SETSIZE to
  // protect its select() calls; this stream waits with poll() only, and httplib reads this value
  // for that check alone.
  socket_t socket() const override { return sock_; }

 private:
  static constexpr size_t kReadSize = 4096;

  /// The response's deadline starts with its first write.
  int write_ms_left() const {
    if (!write_deadline_) write_deadline_ = Clock::now() + std::chrono::milliseconds(to_ms(limits_.response_timeout));
    return static_cast<int>(std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(*write_deadline_ - Clock::now()).count()));
  }

  /// Appends what the socket has (waiting until the request's deadline); false on timeout,
  /// error or end of stream.
  bool fill() {
    if (begin_ == end_) begin_ = end_ = 0;
    if (begin_ > 0 && buffer_.size() - end_ < kReadSize) {
      buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(begin_));
      end_ -= begin_;
      begin_ = 0;
    }
    const int left =
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count());
    const int ready = left > 0 ? wait_for(sock_, POLLIN, left) : 0;
    if (ready == 0) timed_out_ = true;
    if (ready <= 0) return false;
    buffer_.resize(end_ + kReadSize);
    ssize_t n;
    do n = ::recv(sock_, buffer_.data() + end_, kReadSize, 0);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    end_ += static_cast<size_t>(n);
    buffer_.resize(end_);
    return true;
  }

  /// Reads until the buffer holds a whole head ("\r\n\r\n"), never more than max bytes of it.
  Arrival read_head(size_t max, size_t& head_end) {
    static const char kEnd[] = "\r\n\r\n";
    size_t searched = begin_;
    for (;;) {
      auto found = std::search(buffer_.begin() + static_cast<std::ptrdiff_t>(searched),
                               buffer_.begin() + static_cast<std::ptrdiff_t>(end_), kEnd, kEnd + 4);
      if (found != buffer_.begin() + static_cast<std::ptrdiff_t>(end_)) {
        head_end = static_cast<size_t>(found - buffer_.begin()) + 4 - begin_;
        return head_end > max ? Arrival::too_large : Arrival::ready;
      }
      if (end_ - begin_ > max) return Arrival::too_large;
      const size_t offset = end_ - begin_;
      if (!fill()) return timed_out_ ? Arrival::timed_out : Arrival::closed;
      searched = begin_ + (offset > 3 ? offset - 3 : 0);
    }
  }

  /// One CRLF-terminated line of at most kMaxLine bytes, or nullopt.
  std::optional<std::string> read_line() {
    constexpr size_t kMaxLine = 1024;
    std::string line;
    for (;;) {
      if (begin_ == end_ && !fill()) return std::nullopt;
      const char c = buffer_[begin_++];
      if (c == '\n') break;
      if (line.size() == kMaxLine) return std::nullopt;
      line += c;
    }
    if (line.empty() || line.back() != '\r') return std::nullopt;
    line.pop_back();
    return line;
  }

  /// The decoded body of a chunked request, refused (413) as soon as it exceeds max_body.
  HeadCheck read_chunked(std::string& body, size_t max_body) {
    auto broken = [this] {
      return timed_out_ ? HeadCheck{408, "request_timeout", "the request did not arrive in time"}
                        : HeadCheck{400, "bad_request", "bad chunked body"};
    };
    for (;;) {
      std::optional<std::string> line = read_line();
      if (!line) return broken();
      std::optional<uint64_t> size = parse_chunk_size(*line);
      if (!size) return broken();
      if (*size > max_body - body.size())
        return {413, "too_large", "the body is over the limit of " + std::to_string(max_body) + " bytes (--max-body)"};
      if (*size == 0) break;
      const size_t needed = body.size() + *size;  // grown in steps, never past max_body
      if (body.capacity() < needed) body.reserve(std::min(max_body, std::max(needed, 2 * body.capacity())));
      for (size_t left = *size; left > 0;) {
        if (begin_ == end_ && !fill()) return broken();
        const size_t n = std::min(left, end_ - begin_);
        body.append(buffer_.data() + begin_, n);
        begin_ += n;
        left -= n;
      }
      std::optional<std::string> end = read_line();
      if (!end || !end->empty()) return broken();
    }
    for (int trailers = 0;; ++trailers) {  // trailer fields are dropped
      std::optional<std::string> line = read_line();
      if (!line || trailers > 64) return broken();
      if (line->empty()) return {};
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
  mutable std::optional<Clock::time_point> write_deadline_;
  bool timed_out_ = false;
  std::vector<char> buffer_;
  size_t begin_ = 0, end_ = 0;
};

}  // namespace

HttpServer::HttpServer(HttpLimits limits) : limits_(limits) {
  if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  new_task_queue = [this] { return new ConnectionThreads(limits_.max_connections); };
  set_payload_max_length(limits_.head.max_body);
  // Only for the Keep-Alive header httplib writes: the connection loop below enforces both.
  set_keep_alive_timeout(static_cast<time_t>(std::ceil(limits_.keep_alive_timeout)));
  set_keep_alive_max_count(1000000);
}

HttpServer::~HttpServer() {
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
}

int HttpServer::bind(const std::string& host, int port) {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
    ::getrlimit(RLIMIT_NOFILE, &files);
    // Descriptors already open (model files, pipes, the listening socket) and a margin for
    // what the process opens later.
    const auto in_use = static_cast<rlim_t>(
        std::distance(std::filesystem::directory_iterator("/proc/self/fd"), std::filesystem::directory_iterator{}));
    const rlim_t spare = files.rlim_cur > in_use + 64 ? files.rlim_cur - in_use - 64 : 1;
    limits_.max_connections = static_cast<int>(std::min<rlim_t>(static_cast<rlim_t>(limits_.max_connections), spare));
  }
  if (port == 0 ? (port = bind_to_any_port(host)) < 0 : !bind_to_port(host, port)) return -1;
  // httplib listens with a backlog of 5: a burst of connections would be reset by the kernel
  // before the accept loop sees them. Listening again raises it.
  ::listen(svr_sock_, SOMAXCONN);
  return port;
}

void HttpServer::run() {
  running_ = true;
  if (!stopping_) listen_after_bind();
  returned_ = true;
}

void HttpServer::shutdown() {
  if (stopping_.exchange(true)) return;
  (void)!::write(stop_pipe_[1], "x", 1);
  // httplib's stop() does nothing until its accept loop has started: repeat it until run()
  // returns (run() itself returns at once when it starts after this).
  stop();
  while (running_ && !returned_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    stop();
  }
}

HttpStats HttpServer::stats() const { return {open_.load(), connections_.load(), rejected_.load(), timed_out_.load()}; }

bool HttpServer::admit(const std::string& client) {
  std::lock_guard<std::mutex> lock(clients_mutex_);
  int& open = open_per_client_[client];
  if (open >= limits_.max_connections_per_client) {
    if (open == 0) open_per_client_.erase(client);
    return false;
  }
  ++open;
  return true;
}

void HttpServer::release(const std::string& client) {
  std::lock_guard<std::mutex> lock(clients_mutex_);
  auto it = open_per_client_.find(client);
  if (it != open_per_client_.end() && --it->second == 0) open_per_client_.erase(it);
}

bool HttpServer::process_and_close_socket(socket_t sock) {
  ConnectionStream stream(sock, stop_pipe_[0], limits_);
  std::string client;
  int client_port = 0;
  stream.get_remote_ip_and_port(client, client_port);
  if (t_over_limit || !admit(client)) {
    ++rejected_;
    send_best_effort(sock,
                     json_response(503, "too_many_connections",
                                   t_over_limit ? "the server has as many connections open as it serves; try again"
                                                : "this client has as many connections open as it may; try again"));
    ::close(sock);
    return false;
  }
  ++open_;
  ++connections_;
  // httplib sends the headers and the body in two writes: with Nagle's algorithm the body would
  // wait for the client's delayed ACK (40 ms on Linux) on every keep-alive request.
  const int one = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  bool ok = true;
  while (!stopping_ && stream.wait_for_request()) {
    stream.start_request();
    const HeadCheck check = stream.prepare_request(limits_.head);
    if (check.status < 0) break;  // the client left
    if (check.status > 0) {
      if (check.status == 408) ++timed_out_;
      send_best_effort(sock, json_response(check.status, check.code, check.message));
      linger_close(sock);
      ok = false;
      break;
    }
    bool closed = false;
    ok = process_request(stream, stopping_.load(), closed, nullptr);
    stream.release_buffer();
    if (!ok && stream.timed_out()) {
      ++timed_out_;
      send_best_effort(sock, json_response(408, "request_timeout", "the request did not arrive in time"));
      linger_close(sock);
    }
    if (!ok || closed) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  release(client);
  --open_;
  return ok;
}

}  // namespace latent
