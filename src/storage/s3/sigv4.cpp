#include "storage/s3/sigv4.hpp"

#include <algorithm>
#include <ctime>
#include <utility>
#include <vector>

#include "common/strings.hpp"
#include "storage/http/digest.hpp"

namespace nuthatch::s3 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::size_t kDateLength = 8;  // "20130524" of "20130524T000000Z"

// Trims the value and collapses runs of spaces, as SigV4 canonical headers require.
std::string canonical_value(std::string_view value) {
  std::string out;
  bool space = false;
  for (const char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> sorted_headers(const http::Headers& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(headers.size());
  for (const auto& [name, value] : headers)
    out.emplace_back(to_lower(name), canonical_value(value));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string amz_date(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buffer[sizeof("20130524T000000Z")];
  std::strftime(buffer, sizeof(buffer), "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

std::string signed_headers(const http::Headers& headers) {
  std::string out;
  for (const auto& [name, value] : sorted_headers(headers)) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string canonical_request(const SigningRequest& r) {
  std::string out;
  out += r.method;
  out += '\n';
  out += r.canonical_uri.empty() ? std::string_view("/") : r.canonical_uri;
  out += '\n';
  out += r.canonical_query;
  out += '\n';
  for (const auto& [name, value] : sorted_headers(*r.headers)) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
  }
  out += '\n';
  out += signed_headers(*r.headers);
  out += '\n';
  out += r.payload_hash;
  return out;
}

std::string credential_scope(const SigningRequest& r) {
  return std::string(r.amz_date.substr(0, kDateLength)) + "/" + std::string(r.region) + "/" +
         std::string(r.service) + "/" + std::string(kTerminator);
}

std::string string_to_sign(const SigningRequest& r) {
  return std::string(kAlgorithm) + "\n" + std::string(r.amz_date) + "\n" + credential_scope(r) +
         "\n" + http::hex(http::sha256(canonical_request(r)));
}

std::string signature(const SigningRequest& r, std::string_view secret_key) {
  std::string key =
      http::hmac_sha256("AWS4" + std::string(secret_key), r.amz_date.substr(0, kDateLength));
  key = http::hmac_sha256(key, r.region);
  key = http::hmac_sha256(key, r.service);
  key = http::hmac_sha256(key, kTerminator);
  return http::hex(http::hmac_sha256(key, string_to_sign(r)));
}

std::string authorization(const SigningRequest& r, const Credentials& credentials) {
  return std::string(kAlgorithm) + " Credential=" + credentials.access_key + "/" +
         credential_scope(r) + ",SignedHeaders=" + signed_headers(*r.headers) +
         ",Signature=" + signature(r, credentials.secret_key);
}

}  // namespace nuthatch::s3
