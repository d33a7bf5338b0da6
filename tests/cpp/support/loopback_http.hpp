#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 for tests, one request per connection: the
// fault-injecting proxy in front of a real S3 server (retry tests), and a static file
// server (http driver tests). Faults apply to the next N requests (or the next N that a
// filter selects, e.g. only writes under meta/): answer 500 or 503, wait before
// answering, or drop the connection without an answer.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace nuthatch::testing {

/// One request as received: the head (request line + headers) and the body.
struct RawRequest {
  std::string method;
  std::string target;
  std::string head;  ///< request line and headers, CRLF-separated, without the blank line
  std::string body;

  /// A header's value (name case-insensitive), or "".
  std::string header(std::string_view name) const {
    std::size_t pos = head.find("\r\n");  // skip the request line
    while (pos != std::string::npos) {
      const std::size_t start = pos + 2;
      pos = head.find("\r\n", start);
      const std::string line =
          head.substr(start, pos == std::string::npos ? std::string::npos : pos - start);
      const std::size_t colon = line.find(':');
      if (colon != name.size()) continue;
      if (!std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        continue;
      }
      const std::size_t v = line.find_first_not_of(' ', colon + 1);
      return v == std::string::npos ? std::string() : line.substr(v);
    }
    return {};
  }
};

inline int listen_on_loopback(int* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(*port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

/// A free TCP port on 127.0.0.1 (free when this returns; a server should bind it soon).
inline int free_loopback_port() {
  int port = 0;
  ::close(listen_on_loopback(&port));
  return port;
}

inline bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

/// Reads one request (head + Content-Length body); false on EOF or error.
inline bool read_request(int fd, RawRequest& out) {
  std::string buffer;
  char chunk[65536];
  std::size_t head_end;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  out.head = buffer.substr(0, head_end);
  out.body = buffer.substr(head_end + 4);
  const std::size_t sp1 = out.head.find(' ');
  const std::size_t sp2 = out.head.find(' ', sp1 + 1);
  out.method = out.head.substr(0, sp1);
  out.target = out.head.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string length = out.header("Content-Length");
  const std::size_t want = length.empty() ? 0 : std::stoull(length);
  while (out.body.size() < want) {
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    out.body.append(chunk, static_cast<std::size_t>(n));
  }
  return true;
}

/// The faults a LoopbackHttpServer can inject.
enum class Fault {
  none,
  status_500,   ///< answer 500 InternalError without handling the request
  status_503,   ///< answer 503 SlowDown without handling the request
  delay,        ///< wait, then handle the request normally
  drop,         ///< close the connection without handling the request
  lose_answer,  ///< handle the request, then close the connection without its answer
};

class LoopbackHttpServer {
 public:
  /// Returns the whole raw response for a request.
  using Handler = std::function<std::string(const RawRequest&)>;
  /// Selects the requests a fault applies to; the others pass untouched and uncounted.
  using RequestFilter = std::function<bool(const RawRequest&)>;

  explicit LoopbackHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = listen_on_loopback(&port_);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;
  ~LoopbackHttpServer() {
    stop_ = true;
    acceptor_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mutex_);
      workers.swap(workers_);
    }
    for (auto& w : workers) w.join();
    ::close(listen_fd_);
  }

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  /// After `after` more requests pass untouched, the next `count` requests get `fault`
  /// (`delay` waits that long, then answers normally). With `only`, both counts apply to
  /// the requests it selects; the others always pass.
  void inject(Fault fault, int count, std::chrono::milliseconds delay = {}, int after = 0,
              RequestFilter only = {}) {
    std::lock_guard lock(mutex_);
    fault_ = fault;
    fault_count_ = count;
    delay_ = delay;
    pass_before_fault_ = after;
    only_ = std::move(only);
  }
  int requests() const { return requests_; }
  int faults_served() const { return faults_served_; }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(mutex_);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    RawRequest request;
    if (read_request(fd, request)) {
      ++requests_;
      Fault fault = Fault::none;
      std::chrono::milliseconds delay{};
      {
        std::lock_guard lock(mutex_);
        if (only_ && !only_(request)) {
          // not selected: passes
        } else if (pass_before_fault_ > 0) {
          --pass_before_fault_;
        } else if (fault_count_ > 0) {
          --fault_count_;
          fault = fault_;
          delay = delay_;
          ++faults_served_;
        }
      }
      switch (fault) {
        case Fault::status_500:
          send_all(fd, error_response(500, "Internal Server Error", "InternalError"));
          break;
        case Fault::status_503:
          send_all(fd, error_response(503, "Service Unavailable", "SlowDown"));
          break;
        case Fault::drop:
          break;
        case Fault::lose_answer:
          handler_(request);
          break;
        case Fault::delay:
          for (auto waited = std::chrono::milliseconds(0); waited < delay && !stop_;
               waited += std::chrono::milliseconds(10)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
          [[fallthrough]];
        case Fault::none:
          send_all(fd, handler_(request));
          break;
      }
    }
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }

  static std::string error_response(int status, std::string_view reason, std::string_view code) {
    const std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" +
                             std::string(code) + "</Code><Message>injected</Message></Error>";
    return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
           "\r\nContent-Type: application/xml\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> workers_;
  Fault fault_ = Fault::none;
  int fault_count_ = 0;
  int pass_before_fault_ = 0;
  RequestFilter only_;
  std::chrono::milliseconds delay_{};
  std::atomic<int> requests_{0};
  std::atomic<int> faults_served_{0};
};

/// A handler forwarding each request unchanged (Host header included, so signatures stay
/// valid) to 127.0.0.1:`upstream_port`, one connection per request.
inline LoopbackHttpServer::Handler forward_to(int upstream_port) {
  return [upstream_port](const RawRequest& request) -> std::string {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(upstream_port));
    std::string response;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      // Ask the upstream to close after answering, so reading to EOF ends the response.
      std::string head = request.head;
      head += "\r\nConnection: close";
      if (send_all(fd, head + "\r\n\r\n") && send_all(fd, request.body)) {
        char chunk[65536];
        ssize_t n;
        while ((n = ::recv(fd, chunk, sizeof(chunk), 0)) > 0) response.append(chunk, n);
      }
    }
    ::close(fd);
    return response;
  };
}

/// A handler serving fixed files: GET (with a single "bytes=a-b" / "bytes=a-" Range) and
/// HEAD, 404 for anything else, ETag and Last-Modified on every file.
inline LoopbackHttpServer::Handler serve_files(std::map<std::string, std::string> files) {
  return [files = std::move(files)](const RawRequest& request) -> std::string {
    const auto it = files.find(request.target);
    if (it == files.end() || (request.method != "GET" && request.method != "HEAD")) {
      return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    }
    std::string body = it->second;
    std::string status = "200 OK";
    std::string extra;
    const std::string range = request.header("Range");
    if (range.rfind("bytes=", 0) == 0) {
      const std::size_t dash = range.find('-');
      const std::size_t first = std::stoull(range.substr(6, dash - 6));
      if (first >= body.size()) {
        return "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\nConnection: "
               "close\r\n\r\n";
      }
      std::size_t last = body.size() - 1;
      if (dash + 1 < range.size())
        last = std::min<std::size_t>(last, std::stoull(range.substr(dash + 1)));
      extra = "Content-Range: bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
              std::to_string(body.size()) + "\r\n";
      body = body.substr(first, last - first + 1);
      status = "206 Partial Content";
    }
    std::string head = "HTTP/1.1 " + status + "\r\nContent-Length: " + std::to_string(body.size()) +
                       "\r\nETag: \"v1-" + std::to_string(it->second.size()) +
                       "\"\r\nLast-Modified: Wed, 21 Oct 2015 07:28:00 GMT\r\n" + extra +
                       "Connection: close\r\n\r\n";
    return request.method == "HEAD" ? head : head + body;
  };
}

}  // namespace nuthatch::testing
