#pragma once
// The HTTP vocabulary shared by the object-store drivers (s3, and later gcs, azure) and the
// read-only http driver: one request, one response, and the Transport that performs a
// single attempt. Retries, backoff, concurrency limits and error messages live one level
// up, in HttpClient (client.hpp), so a test can swap the transport for a fault-injecting
// one and drivers hold only signing and request shapes. No curl types appear here.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nuthatch::http {

/// Header name / value pairs, in the order they are sent.
using Headers = std::vector<std::pair<std::string, std::string>>;

/// Bytes moved so far by one request attempt (totals are 0 when unknown).
struct Progress {
  std::uint64_t uploaded = 0;
  std::uint64_t upload_total = 0;
  std::uint64_t downloaded = 0;
  std::uint64_t download_total = 0;
};

/// Called from the thread performing a request, at least once per attempt that moves data.
using ProgressHook = std::function<void(const Progress&)>;

struct Request {
  std::string method = "GET";  ///< GET, HEAD, PUT, POST, DELETE
  std::string url{};           ///< absolute http(s) URL, already percent-encoded
  Headers headers{};           ///< sent as given; the transport adds none it can avoid
  std::string_view body{};     ///< must outlive the request (the caller's buffer)
  /// Called before every attempt (and again before each retry), e.g. to sign the request
  /// with a fresh timestamp. May modify headers only.
  std::function<void(Request&)> prepare{};
  ProgressHook progress{};
};

/// Why a request got no answer at all, for a message: every attempt failed before a
/// status arrived (HttpClient::try_send).
struct NoAnswer {
  std::string method;
  std::string url;     ///< the request's URL as url_for_message() shows it
  std::string reason;  ///< the last attempt's TransportError ("Couldn't connect to server")
};

struct Response {
  long status = 0;  ///< 0 when no_answer is set
  Headers headers;  ///< names lower-cased
  std::string body;
  /// How many attempts were made; > 1 when earlier ones failed and were retried.
  int attempts = 1;
  /// Whether an earlier attempt may have reached the server before failing (a dropped
  /// connection, a timeout): a conditional write may then have taken effect already.
  bool maybe_applied_before = false;
  /// Set instead of a status when no attempt got an answer (only from HttpClient::try_send).
  std::optional<NoAnswer> no_answer;

  /// The first value of a header (name case-insensitive), if present.
  std::optional<std::string> header(std::string_view name) const;
  bool ok() const { return status >= 200 && status < 300; }
};

/// A request that produced no HTTP response: connection refused or dropped, timeout,
/// TLS failure. `retryable` says whether another attempt may succeed.
class TransportError : public std::runtime_error {
 public:
  TransportError(const std::string& what, bool retryable, bool maybe_sent)
      : std::runtime_error(what), retryable_(retryable), maybe_sent_(maybe_sent) {}
  bool retryable() const { return retryable_; }
  /// Whether the request may have reached the server (so its effect may have happened).
  bool maybe_sent() const { return maybe_sent_; }

 private:
  bool retryable_;
  bool maybe_sent_;
};

/// Timeouts of one attempt.
struct Timeouts {
  double connect_seconds = 10;
  /// Whole attempt; 0 = none (large transfers rely on the stall check below).
  double request_seconds = 0;
  /// An attempt moving less than 1 byte per second for this long is abandoned.
  double stall_seconds = 60;
};

/// Performs one attempt of a request. Thread-safe.
class Transport {
 public:
  virtual ~Transport() = default;
  /// Returns any HTTP response (including 4xx / 5xx); throws TransportError when there is
  /// none.
  virtual Response perform(const Request& request, const Timeouts& timeouts) = 0;
};

using TransportPtr = std::shared_ptr<Transport>;

/// The process-wide curl transport: a pool of reusable curl handles sharing DNS, TLS
/// sessions and connections. Created on first use.
TransportPtr default_transport();

}  // namespace nuthatch::http
