#pragma once
// S3Client: S3 request shapes over the shared HttpClient. It turns (method, object key,
// query, headers, body) into a signed request for the configured endpoint and addressing
// style, and S3 error documents into messages. The storage semantics (missing = nullopt,
// conditional writes, multipart) live in S3Storage.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/http/client.hpp"
#include "storage/s3/s3_options.hpp"

namespace nuthatch::s3 {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct S3Call {
  std::string method = "GET";
  /// The object key (without the location prefix handling: a full key), or std::nullopt
  /// for a bucket-level request (ListObjectsV2, DeleteObjects).
  std::optional<std::string> key{};
  QueryParams query{};
  http::Headers headers{};
  std::string_view body{};
};

class S3Client {
 public:
  S3Client(S3Options options, http::TransportPtr transport);

  /// Sends a call (signed, with retries); returns the final response, whatever its status.
  /// Throws StorageError naming the method and URL when no attempt got a response.
  http::Response send(const S3Call& call) const;
  /// send(), but an unanswered call returns status 0 (http::HttpClient::try_send), which
  /// fail() words with the object's location.
  http::Response try_send(const S3Call& call) const;

  /// The https://... URL of an object key, or of the bucket (for messages).
  std::string url_of_key(const std::optional<std::string>& key) const;
  /// "s3://bucket/key" for messages.
  std::string s3_url(std::string_view key) const;

  /// Throws StorageError: "<action> s3://bucket/key (<endpoint URL>): HTTP <status>
  /// <reason>: <S3 code>: <S3 message>", or for an unanswered call "<action>
  /// s3://bucket/key (<METHOD> <request URL>): <transport error> (after <n> attempts)".
  [[noreturn]] void fail(std::string_view action, std::string_view key,
                         const http::Response& response) const;

  const S3Options& options() const { return options_; }

 private:
  S3Options options_;
  http::HttpClient http_;
};

/// "<Code>: <Message>" of an S3 error document, or "" when the body holds none. Only
/// these two fields are used: others (StringToSign, SignatureProvided) stay out of messages.
std::string s3_error_detail(std::string_view body);
/// The <Code> of an S3 error document, or "".
std::string s3_error_code(std::string_view body);

}  // namespace nuthatch::s3
