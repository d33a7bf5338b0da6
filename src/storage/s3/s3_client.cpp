#include "storage/s3/s3_client.hpp"

#include <chrono>
#include <memory>

#include "nuthatch/error.hpp"
#include "storage/http/digest.hpp"
#include "storage/http/url.hpp"
#include "storage/http/xml.hpp"

namespace nuthatch::s3 {

std::string s3_error_detail(std::string_view body) {
  const auto root = xml::error_document(body);
  if (!root) return {};
  std::string detail = root->child_text("Code");
  const std::string message = root->child_text("Message");
  if (!message.empty()) detail += (detail.empty() ? "" : ": ") + message;
  return detail;
}

std::string s3_error_code(std::string_view body) {
  const auto root = xml::error_document(body);
  return root ? root->child_text("Code") : std::string();
}

S3Client::S3Client(S3Options options, http::TransportPtr transport)
    : options_(std::move(options)), http_(options_.client, std::move(transport)) {}

std::string S3Client::url_of_key(const std::optional<std::string>& key) const {
  const http::Url& e = options_.endpoint;
  std::string url;
  if (options_.virtual_hosted) {
    http::Url host = e;
    host.host = options_.bucket + "." + e.host;
    url = host.origin();
  } else {
    url = e.origin();
  }
  const std::size_t origin_size = url.size();
  if (e.path != "/") url.append(e.path);
  if (!options_.virtual_hosted) url.append("/").append(http::uri_encode(options_.bucket, false));
  if (key) url.append("/").append(http::uri_encode(*key, true));
  if (url.size() == origin_size) url.append("/");
  return url;
}

std::string S3Client::s3_url(std::string_view key) const {
  return "s3://" + options_.bucket + "/" + std::string(key);
}

http::Response S3Client::send(const S3Call& call) const { return http::answered(try_send(call)); }

http::Response S3Client::try_send(const S3Call& call) const {
  const std::string url = url_of_key(call.key);
  const std::string query = http::canonical_query(call.query);
  http::Request request{.method = call.method,
                        .url = query.empty() ? url : url + "?" + query,
                        .headers = call.headers,
                        .body = call.body};
  if (options_.credentials) {
    // Signed afresh before every attempt, so a retry carries a current x-amz-date.
    const std::size_t scheme_end = url.find("://") + 3;
    const std::size_t path_start = url.find('/', scheme_end);
    std::string host = url.substr(scheme_end, path_start - scheme_end);
    std::string canonical_uri = url.substr(path_start);
    std::string payload_hash = http::hex(http::sha256(call.body));
    http::Headers base = call.headers;
    base.emplace_back("host", std::move(host));
    base.emplace_back("x-amz-content-sha256", payload_hash);
    if (!options_.credentials->session_token.empty()) {
      base.emplace_back("x-amz-security-token", options_.credentials->session_token);
    }
    request.prepare = [this, base = std::move(base), canonical_uri = std::move(canonical_uri),
                       query, payload_hash = std::move(payload_hash)](http::Request& r) {
      const std::string date = amz_date(std::chrono::system_clock::now());
      http::Headers headers = base;
      headers.emplace_back("x-amz-date", date);
      const SigningRequest signing{.method = r.method,
                                   .canonical_uri = canonical_uri,
                                   .canonical_query = query,
                                   .headers = &headers,
                                   .payload_hash = payload_hash,
                                   .amz_date = date,
                                   .region = options_.region};
      headers.emplace_back("Authorization", authorization(signing, *options_.credentials));
      r.headers = std::move(headers);
    };
  }
  return http_.try_send(std::move(request));
}

void S3Client::fail(std::string_view action, std::string_view key,
                    const http::Response& response) const {
  http::throw_request_error(action, s3_url(key), url_of_key(std::string(key)), response,
                            s3_error_detail(response.body));
}

}  // namespace nuthatch::s3
