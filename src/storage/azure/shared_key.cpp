#include "storage/azure/shared_key.hpp"

#include <algorithm>
#include <map>

#include "common/base64.hpp"
#include "common/strings.hpp"
#include "nuthatch/error.hpp"
#include "storage/http/digest.hpp"

namespace nuthatch::azure {
namespace {

// The standard headers of the string to sign, in order (after the verb and Content-Length
// comes fourth, handled apart).
constexpr std::string_view kSignedBefore[] = {"content-encoding", "content-language"};
constexpr std::string_view kSignedAfter[] = {
    "content-md5", "content-type",        "date",  "if-modified-since", "if-match",
    "if-none-match", "if-unmodified-since", "range"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string header_value(const http::Headers& headers, std::string_view lower_name) {
  for (const auto& [name, value] : headers) {
    if (to_lower(name) == lower_name) return std::string(trim(value));
  }
  return {};
}

}  // namespace

std::string string_to_sign(const SharedKeyRequest& request) {
  static const http::Headers kNoHeaders;
  static const std::vector<std::pair<std::string, std::string>> kNoQuery;
  const http::Headers& headers = request.headers ? *request.headers : kNoHeaders;
  std::string out(request.method);
  out += '\n';
  for (const std::string_view name : kSignedBefore) out += header_value(headers, name) + "\n";
  if (request.content_length > 0) out += std::to_string(request.content_length);
  out += '\n';
  for (const std::string_view name : kSignedAfter) out += header_value(headers, name) + "\n";

  std::map<std::string, std::string> ms_headers;
  for (const auto& [name, value] : headers) {
    const std::string lower = to_lower(name);
    if (lower.starts_with("x-ms-")) ms_headers[lower] = std::string(trim(value));
  }
  for (const auto& [name, value] : ms_headers) out += name + ":" + value + "\n";

  out += '/';
  out += request.account;
  out += request.path;
  std::map<std::string, std::vector<std::string>> params;
  for (const auto& [name, value] : request.query ? *request.query : kNoQuery) {
    params[to_lower(name)].push_back(value);
  }
  for (auto& [name, values] : params) {
    std::sort(values.begin(), values.end());
    out += "\n" + name + ":";
    for (std::size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + values[i];
  }
  return out;
}

std::string shared_key_authorization(const SharedKeyRequest& request, std::string_view account_key) {
  const auto key = base64_decode(account_key);
  if (!key) throw ConfigError("the Azure account key is not base64");
  return "SharedKey " + std::string(request.account) + ":" +
         base64_encode(http::hmac_sha256(*key, string_to_sign(request)));
}

}  // namespace nuthatch::azure
