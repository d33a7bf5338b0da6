#include "storage/azure/azure_client.hpp"

#include <chrono>
#include <ctime>

#include "nuthatch/error.hpp"
#include "storage/azure/shared_key.hpp"
#include "storage/http/url.hpp"
#include "storage/http/xml.hpp"

namespace nuthatch::azure {
namespace {

constexpr std::string_view kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// "<Code>: <first line of Message>" (Azure appends RequestId and Time lines).
std::string error_detail(const http::Response& response) {
  std::string code = response.header("x-ms-error-code").value_or("");
  std::string message;
  if (const auto root = xml::error_document(response.body)) {
    if (code.empty()) code = root->child_text("Code");
    message = root->child_text("Message");
    message = message.substr(0, message.find('\n'));
  }
  if (!message.empty()) code += (code.empty() ? "" : ": ") + message;
  return code;
}

}  // namespace

std::string azure_error_code(const http::Response& response) {
  if (auto code = response.header("x-ms-error-code")) return *code;
  const auto root = xml::error_document(response.body);
  return root ? root->child_text("Code") : std::string();
}

std::string rfc1123_date(std::int64_t seconds_since_epoch) {
  const std::time_t t = static_cast<std::time_t>(seconds_since_epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                kDays[tm.tm_wday].data(), tm.tm_mday, kMonths[tm.tm_mon].data(),
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

AzureClient::AzureClient(AzureOptions options, http::TransportPtr transport)
    : options_(std::move(options)), http_(options_.client, std::move(transport)) {}

std::string AzureClient::path_of(const std::optional<std::string>& blob) const {
  const http::Url& e = options_.endpoint;
  std::string path = e.path == "/" ? std::string() : e.path;
  path += '/';
  path += http::uri_encode(options_.container, false);
  if (blob) {
    path += '/';
    path += http::uri_encode(*blob, true);
  }
  return path;
}

std::string AzureClient::url_of(const std::optional<std::string>& blob) const {
  return options_.endpoint.origin() + path_of(blob);
}

std::string AzureClient::az_url(std::string_view blob) const {
  return "az://" + options_.container + "/" + std::string(blob);
}

http::Response AzureClient::send(const AzureCall& call) const {
  return http::answered(try_send(call));
}

http::Response AzureClient::try_send(const AzureCall& call) const {
  const std::string path = path_of(call.blob);
  std::string query;
  auto add = [&query](std::string_view part) {
    if (!query.empty()) query += '&';
    query += part;
  };
  for (const auto& [name, value] : call.query) {
    add(http::uri_encode(name, false) + "=" + http::uri_encode(value, false));
  }
  if (!options_.sas_token.empty()) add(options_.sas_token);
  http::Request request{.method = call.method,
                        .url = options_.endpoint.origin() + path + (query.empty() ? "" : "?" + query),
                        .body = call.body};
  // Signed afresh before every attempt, so a retry carries a current x-ms-date.
  request.prepare = [this, base = call.headers, path, query_params = call.query](http::Request& r) {
    r.headers = base;
    r.headers.emplace_back("x-ms-version", std::string(kApiVersion));
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    r.headers.emplace_back("x-ms-date", rfc1123_date(now.count()));
    if (options_.account_key.empty()) return;
    const SharedKeyRequest signing{.method = r.method,
                                   .headers = &r.headers,
                                   .content_length = r.body.size(),
                                   .account = options_.account_name,
                                   .path = path,
                                   .query = &query_params};
    r.headers.emplace_back("Authorization", shared_key_authorization(signing, options_.account_key));
  };
  return http_.try_send(std::move(request));
}

void AzureClient::fail(std::string_view action, std::string_view blob,
                       const http::Response& response) const {
  http::throw_request_error(action, az_url(blob), url_of(std::string(blob)), response,
                            error_detail(response));
}

}  // namespace nuthatch::azure
