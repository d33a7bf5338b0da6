#pragma once
// GcsClient: GCS JSON API request shapes over the shared HttpClient. It builds the URLs
// of objects, uploads and listings for the configured endpoint, authorizes each attempt
// with a bearer token (TokenSource, refreshed before it expires and once after a 401),
// and turns JSON error answers into messages. Storage semantics live in GcsStorage.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/gcs/gcs_auth.hpp"
#include "storage/gcs/gcs_options.hpp"
#include "storage/http/client.hpp"

namespace nuthatch::gcs {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct GcsCall {
  std::string method = "GET";
  /// Path under the endpoint ("/storage/v1/b/<bucket>/o/..."), already encoded; or an
  /// absolute URL (a resumable upload session).
  std::string target{};
  QueryParams query{};
  http::Headers headers{};
  std::string_view body{};
};

class GcsClient {
 public:
  GcsClient(GcsOptions options, http::TransportPtr transport);

  /// Sends a call (authorized, with retries); returns the final response, any status.
  /// Throws StorageError naming the method and URL when no attempt got a response.
  http::Response send(const GcsCall& call) const;
  /// send(), but an unanswered call returns status 0 (http::HttpClient::try_send), which
  /// fail() words with the object's location.
  http::Response try_send(const GcsCall& call) const;

  /// "/storage/v1/b/<bucket>/o/<name>" (the object's metadata; with alt=media its bytes).
  std::string object_path(std::string_view name) const;
  /// "/storage/v1/b/<bucket>/o" (listings).
  std::string objects_path() const;
  /// "/upload/storage/v1/b/<bucket>/o" (uploads).
  std::string upload_path() const;
  /// The absolute URL of a target.
  std::string url_of(std::string_view target) const;
  /// "gs://bucket/name" for messages.
  std::string gs_url(std::string_view name) const;

  /// Throws StorageError: "<action> gs://bucket/name (<URL>): HTTP <status> <reason>:
  /// <GCS message>", or for an unanswered call "<action> gs://bucket/name (<METHOD>
  /// <request URL>): <transport error> (after <n> attempts)".
  [[noreturn]] void fail(std::string_view action, std::string_view name,
                         const http::Response& response) const;

  const GcsOptions& options() const { return options_; }

 private:
  GcsOptions options_;
  std::shared_ptr<TokenSource> tokens_;
  http::HttpClient http_;
};

/// The message of a GCS error answer ({"error": {"code", "message"}}, or an XML <Error>),
/// or "" when the body holds none.
std::string gcs_error_detail(std::string_view body);

}  // namespace nuthatch::gcs
