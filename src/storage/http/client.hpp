#pragma once
// HttpClient: what every HTTP-based driver sends its requests through. Over a Transport
// (one attempt), it adds the policy shared by s3, gcs, azure and http:
//  - a bound on requests in flight per client (a semaphore; option max_concurrency);
//  - retries of timeouts, connection errors, 408, 429 and 5xx (but 501), with
//    exponential backoff and full jitter, honouring a short Retry-After;
//  - error messages that name the method and URL but never a credential (query values
//    that look like signatures or tokens are masked, see url_for_message); a driver's
//    own messages also name the object's location (throw_request_error).

#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>

#include "nuthatch/value.hpp"
#include "storage/http/transport.hpp"

namespace nuthatch::http {

struct RetryPolicy {
  int max_attempts = 5;                  ///< including the first
  double initial_backoff_seconds = 0.2;  ///< ceiling of the first wait
  double max_backoff_seconds = 10;       ///< ceiling of any wait
};

struct ClientOptions {
  int max_concurrency = 16;  ///< requests in flight through one client
  RetryPolicy retry;
  Timeouts timeouts;
  ProgressHook progress;  ///< used for requests that carry none of their own
};

/// Reads the transport options shared by every HTTP driver from a `filesystem_options`
/// Value: max_concurrency, max_attempts, retry_initial_backoff, retry_max_backoff (s),
/// connect_timeout, request_timeout, stall_timeout (s). Unknown members are ignored;
/// a member of the wrong type is a ConfigError naming it and `url`.
ClientOptions parse_client_options(const Value& options, std::string_view url);

/// Whether a status may succeed when repeated: 408, 429 and 5xx except 501 / 505.
bool is_retryable_status(long status);

/// The reason phrase of common statuses ("Forbidden"), or "".
std::string_view status_text(long status);

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options, TransportPtr transport = default_transport());
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Sends `request`, retrying as above; returns the last response, whatever its status
  /// (a retryable status still there after the last attempt is returned, not thrown).
  /// Throws StorageError naming the method and URL when no attempt got a response.
  /// Thread-safe; blocks while max_concurrency requests are in flight.
  Response send(Request request) const;
  /// send(), but when no attempt got a response returns one with status 0 and no_answer
  /// set instead of throwing: for callers whose message names what the request was for.
  Response try_send(Request request) const;

  const ClientOptions& options() const { return options_; }

 private:
  void acquire() const;
  void release() const;

  ClientOptions options_;
  TransportPtr transport_;
  mutable std::mutex mutex_;
  mutable std::condition_variable slot_freed_;
  mutable int in_flight_ = 0;
};

/// A StorageError for a response that failed: "<action> <url>: HTTP 403 Forbidden
/// (<detail>)"; 403 and 401 add "access denied", 404 "not found". `url` passes through
/// url_for_message; `detail` is the server's error code and message, if any.
[[noreturn]] void throw_status_error(std::string_view action, std::string_view url,
                                     const Response& response, std::string_view detail);

/// A StorageError for a request on an object of a store, answered or not:
/// "<action> s3://bucket/key (<URL>): HTTP 503 ..." as throw_status_error words it, or,
/// when no attempt got an answer, "<action> s3://bucket/key (<METHOD> <request URL>):
/// <transport error> (after 3 attempts)". The request URL keeps its query (a part number,
/// an upload id), credentials masked.
[[noreturn]] void throw_request_error(std::string_view action, std::string_view location,
                                      std::string_view url, const Response& response,
                                      std::string_view detail);

/// `response` when it has a status; when no attempt got one, the StorageError send()
/// throws: "<METHOD> <URL> failed: <transport error> (after 3 attempts)".
Response answered(Response response);

}  // namespace nuthatch::http
