#include "storage/http/client.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "common/ids.hpp"
#include "nuthatch/error.hpp"
#include "storage/http/status.hpp"
#include "storage/http/url.hpp"

namespace nuthatch::http {
namespace {

// Uniform in [0, 1): the top 53 bits of a random word.
double random_fraction() {
  constexpr int kMantissaBits = 53;
  return std::ldexp(static_cast<double>(random_u64() >> (64 - kMantissaBits)), -kMantissaBits);
}

// Full jitter: a uniform wait in [0, min(max, initial * 2^retry)].
double backoff_seconds(const RetryPolicy& policy, int retry) {
  const double ceiling =
      std::min(policy.max_backoff_seconds, policy.initial_backoff_seconds * std::ldexp(1.0, retry));
  return ceiling * random_fraction();
}

// A Retry-After of whole seconds, when present and not longer than the longest backoff.
std::optional<double> retry_after(const Response& response, const RetryPolicy& policy) {
  const auto value = response.header("retry-after");
  if (!value) return std::nullopt;
  try {
    const double seconds = std::stod(*value);
    if (seconds >= 0 && seconds <= policy.max_backoff_seconds) return seconds;
  } catch (const std::exception&) {
    // An HTTP date or garbage: fall back to the backoff.
  }
  return std::nullopt;
}

void sleep_for_seconds(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

// Whether a failed status may mean the request took effect (so a retried conditional
// write can see its own earlier success). 503 Slow Down and 429 are refusals.
bool may_have_applied(long status) { return status >= kFirstServerError && status != kUnavailable; }

// "after 3 attempts", "after 1 attempt".
std::string after_attempts(int attempts) {
  return "after " + std::to_string(attempts) + " attempt" + (attempts == 1 ? "" : "s");
}

double number_option(const Value& options, std::string_view name, double fallback,
                     std::string_view url) {
  if (!options.is_object() || !options.contains(std::string(name))) return fallback;
  const Value& v = options[std::string(name)];
  if (v.is_number()) return v.as<double>();
  if (v.is_string()) {
    try {
      return std::stod(v.as<std::string>());
    } catch (const std::exception&) {
    }
  }
  throw ConfigError("filesystem_options." + std::string(name) + " of '" + url_for_message(url) +
                    "' must be a number");
}

}  // namespace

ClientOptions parse_client_options(const Value& options, std::string_view url) {
  ClientOptions out;
  out.max_concurrency = std::max(
      1, static_cast<int>(number_option(options, "max_concurrency", out.max_concurrency, url)));
  RetryPolicy& retry = out.retry;
  retry.max_attempts = std::max(
      1, static_cast<int>(number_option(options, "max_attempts", retry.max_attempts, url)));
  retry.initial_backoff_seconds =
      number_option(options, "retry_initial_backoff", retry.initial_backoff_seconds, url);
  retry.max_backoff_seconds =
      number_option(options, "retry_max_backoff", retry.max_backoff_seconds, url);
  Timeouts& t = out.timeouts;
  t.connect_seconds = number_option(options, "connect_timeout", t.connect_seconds, url);
  t.request_seconds = number_option(options, "request_timeout", t.request_seconds, url);
  t.stall_seconds = number_option(options, "stall_timeout", t.stall_seconds, url);
  return out;
}

bool is_retryable_status(long status) {
  if (status == kRequestTimeout || status == kTooManyRequests) return true;
  return status >= kFirstServerError && status != kNotImplemented && status != kVersionNotSupported;
}

std::string_view status_text(long status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 416:
      return "Range Not Satisfiable";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

HttpClient::HttpClient(ClientOptions options, TransportPtr transport)
    : options_(std::move(options)), transport_(std::move(transport)) {}

void HttpClient::acquire() const {
  std::unique_lock lock(mutex_);
  slot_freed_.wait(lock, [&] { return in_flight_ < options_.max_concurrency; });
  ++in_flight_;
}

void HttpClient::release() const {
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
  }
  slot_freed_.notify_one();
}

Response HttpClient::send(Request request) const { return answered(try_send(std::move(request))); }

Response HttpClient::try_send(Request request) const {
  if (!request.progress) request.progress = options_.progress;
  const RetryPolicy& policy = options_.retry;
  bool maybe_applied = false;
  for (int attempt = 1;; ++attempt) {
    if (request.prepare) request.prepare(request);
    std::optional<Response> response;
    {
      acquire();
      struct Slot {
        const HttpClient* client;
        ~Slot() { client->release(); }
      } slot{this};
      try {
        response = transport_->perform(request, options_.timeouts);
      } catch (const TransportError& e) {
        if (!e.retryable() || attempt >= policy.max_attempts) {
          Response none;
          none.attempts = attempt;
          none.maybe_applied_before = maybe_applied;
          none.no_answer = NoAnswer{request.method, url_for_message(request.url), e.what()};
          return none;
        }
        maybe_applied = maybe_applied || e.maybe_sent();
      }
    }
    if (response) {
      response->attempts = attempt;
      response->maybe_applied_before = maybe_applied;
      if (!is_retryable_status(response->status) || attempt >= policy.max_attempts) {
        return std::move(*response);
      }
      maybe_applied = maybe_applied || may_have_applied(response->status);
      sleep_for_seconds(
          retry_after(*response, policy).value_or(backoff_seconds(policy, attempt - 1)));
    } else {
      sleep_for_seconds(backoff_seconds(policy, attempt - 1));
    }
  }
}

Response answered(Response response) {
  if (!response.no_answer) return response;
  const NoAnswer& none = *response.no_answer;
  throw StorageError(none.method + " " + none.url + " failed: " + none.reason + " (" +
                     after_attempts(response.attempts) + ")");
}

void throw_status_error(std::string_view action, std::string_view url, const Response& response,
                        std::string_view detail) {
  std::string message = std::string(action) + " " + url_for_message(url) + ": HTTP " +
                        std::to_string(response.status);
  if (const std::string_view text = status_text(response.status); !text.empty()) {
    message += " " + std::string(text);
  }
  if (response.status == 401 || response.status == 403) {
    message += " (access denied: check the credentials and the permissions on this location)";
  }
  if (!detail.empty()) message += ": " + std::string(detail);
  if (response.attempts > 1) message += " (" + after_attempts(response.attempts) + ")";
  throw StorageError(message);
}

void throw_request_error(std::string_view action, std::string_view location, std::string_view url,
                         const Response& response, std::string_view detail) {
  if (!response.no_answer) {
    throw_status_error(action, std::string(location) + " (" + std::string(url) + ")", response,
                       detail);
  }
  // The request's own URL rather than the object's: it says which step of a multi-request
  // upload met the dead server.
  const NoAnswer& none = *response.no_answer;
  throw StorageError(std::string(action) + " " + url_for_message(location) + " (" + none.method +
                     " " + none.url + "): " + none.reason + " (" +
                     after_attempts(response.attempts) + ")");
}

}  // namespace nuthatch::http
