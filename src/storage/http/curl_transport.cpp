// The curl Transport: one attempt of one request on a pooled easy handle.
//
// Connection reuse works on two levels: an easy handle keeps its own connection cache,
// so handles go back to a pool after each request (reset, not cleaned up); and every
// handle joins one curl share holding the DNS cache, TLS sessions and the connection
// pool, so a connection opened by one thread serves the next request from any thread.
// The only file that includes curl.h.

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "common/strings.hpp"
#include "storage/http/transport.hpp"

namespace nuthatch::http {
namespace {

constexpr long kMillisPerSecond = 1000;
constexpr long kStallBytesPerSecond = 1;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// The curl share and its locks. curl calls lock / unlock with the kind of data it is
// about to touch; one mutex per kind.
class Share {
 public:
  Share() {
    share_ = curl_share_init();
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &Share::lock);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &Share::unlock);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  }
  Share(const Share&) = delete;
  Share& operator=(const Share&) = delete;
  // Never cleaned up: handles in the pool still point at it until the process exits.
  CURLSH* get() const { return share_; }

 private:
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<Share*>(self)->mutexes_[index(data)].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* self) {
    static_cast<Share*>(self)->mutexes_[index(data)].unlock();
  }
  static std::size_t index(curl_lock_data data) {
    return std::min<std::size_t>(static_cast<std::size_t>(data), kLocks - 1);
  }

  static constexpr std::size_t kLocks = CURL_LOCK_DATA_LAST + 1;
  CURLSH* share_ = nullptr;
  std::array<std::mutex, kLocks> mutexes_;
};

// What the callbacks of one attempt write into.
struct Exchange {
  Response response;
  const ProgressHook* progress = nullptr;
};

// A body announced by Content-Length is received into one allocation instead of a string
// grown (and copied) as it arrives: on loopback S3 that copying was a large share of a
// chunk read's CPU.
constexpr std::uint64_t kMaxBodyReserve = std::uint64_t{1} << 30;
// curl's receive buffer: larger reads mean fewer callbacks for large bodies.
constexpr long kReceiveBufferBytes = 512L << 10;

void reserve_body(std::string& body, std::string_view length) {
  const std::optional<std::uint64_t> n = parse_uint(length);
  if (n && *n <= kMaxBodyReserve) body.reserve(static_cast<std::size_t>(*n));
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  exchange->response.body.append(data, size * count);
  return size * count;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new response (after "100 Continue" or an interim one): forget earlier headers.
    exchange->response.headers.clear();
    return size * count;
  }
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    auto& [name, value] = exchange->response.headers.emplace_back(
        lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
    if (name == "content-length") reserve_body(exchange->response.body, value);
  }
  return size * count;
}

int on_progress(void* user, curl_off_t dl_total, curl_off_t dl_now, curl_off_t ul_total,
                curl_off_t ul_now) {
  auto* exchange = static_cast<Exchange*>(user);
  (*exchange->progress)(
      Progress{static_cast<std::uint64_t>(ul_now), static_cast<std::uint64_t>(ul_total),
               static_cast<std::uint64_t>(dl_now), static_cast<std::uint64_t>(dl_total)});
  return 0;
}

// Whether another attempt may succeed, and whether this one may have reached the server.
struct Failure {
  bool retryable;
  bool maybe_sent;
};

Failure classify(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
      return {true, false};
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return {true, true};
    default:
      return {false, true};
  }
}

// The request's headers, plus no "Expect: 100-continue" round trip and no form content
// type for bodies sent without one.
curl_slist* header_list(const Headers& headers) {
  curl_slist* list = nullptr;
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    has_content_type = has_content_type || lower(name) == "content-type";
    const std::string line = value.empty() ? name + ";" : name + ": " + value;
    list = curl_slist_append(list, line.c_str());
  }
  list = curl_slist_append(list, "Expect:");
  if (!has_content_type) list = curl_slist_append(list, "Content-Type:");
  return list;
}

void set_timeouts(CURL* handle, const Timeouts& timeouts) {
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(timeouts.connect_seconds * kMillisPerSecond));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(timeouts.request_seconds * kMillisPerSecond));
  if (timeouts.stall_seconds > 0) {
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, kStallBytesPerSecond);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME,
                     std::max(1L, static_cast<long>(timeouts.stall_seconds)));
  }
}

void set_method(CURL* handle, const Request& request) {
  if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET" && request.body.empty()) {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method != "GET" && request.method != "DELETE") {
      // The body is sent from the caller's buffer, without a copy.
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
  }
}

// curl_global_init must run before any other curl call: the first member of the transport.
struct GlobalInit {
  GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

class CurlTransport final : public Transport {
 public:
  // Handles and the share live until the process exits (other static destructors may
  // still use the transport).

  Response perform(const Request& request, const Timeouts& timeouts) override {
    CURL* handle = acquire();
    struct Release {
      CurlTransport* self;
      CURL* handle;
      curl_slist* headers = nullptr;
      ~Release() {
        curl_slist_free_all(headers);
        self->release(handle);
      }
    } release{this, handle};

    Exchange exchange;
    exchange.progress = request.progress ? &request.progress : nullptr;
    release.headers = header_list(request.headers);
    curl_easy_setopt(handle, CURLOPT_SHARE, share_.get());
    curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, release.headers);
    curl_easy_setopt(handle, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &exchange);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &exchange);
    if (exchange.progress != nullptr) {
      curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, &on_progress);
      curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &exchange);
    }
    set_timeouts(handle, timeouts);
    set_method(handle, request);

    const CURLcode code = curl_easy_perform(handle);
    if (code != CURLE_OK) {
      const Failure failure = classify(code);
      throw TransportError(curl_easy_strerror(code), failure.retryable, failure.maybe_sent);
    }
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &exchange.response.status);
    return std::move(exchange.response);
  }

 private:
  CURL* acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        return handle;
      }
    }
    CURL* handle = curl_easy_init();
    if (handle == nullptr) throw TransportError("cannot create a curl handle", false, false);
    return handle;
  }

  void release(CURL* handle) {
    curl_easy_reset(handle);  // keeps the handle's connections, DNS and TLS caches
    std::lock_guard lock(mutex_);
    idle_.push_back(handle);
  }

  GlobalInit global_init_;
  Share share_;
  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

}  // namespace

TransportPtr default_transport() {
  // Leaked on purpose: drivers held by static objects may still send requests while
  // static destructors run.
  static const TransportPtr* instance = new TransportPtr(std::make_shared<CurlTransport>());
  return *instance;
}

std::optional<std::string> Response::header(std::string_view name) const {
  const std::string wanted = lower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return value;
  }
  return std::nullopt;
}

}  // namespace nuthatch::http
