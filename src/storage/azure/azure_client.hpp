#pragma once
// AzureClient: Azure Blob REST request shapes over the shared HttpClient. It builds the
// URLs of blobs and of the container for the configured endpoint, authorizes each attempt
// (Shared Key signed with a fresh x-ms-date, or the SAS token in the query), and turns
// error answers (x-ms-error-code, <Error><Code><Message>) into messages. Storage
// semantics live in AzureStorage.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/azure/azure_options.hpp"
#include "storage/http/client.hpp"

namespace nuthatch::azure {

/// The REST API version the driver speaks.
inline constexpr std::string_view kApiVersion = "2021-12-02";

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct AzureCall {
  std::string method = "GET";
  /// The blob name, or std::nullopt for a container-level request (List Blobs).
  std::optional<std::string> blob{};
  QueryParams query{};  ///< decoded values
  http::Headers headers{};
  std::string_view body{};
};

class AzureClient {
 public:
  AzureClient(AzureOptions options, http::TransportPtr transport);

  /// Sends a call (authorized, with retries); returns the final response, any status.
  /// Throws StorageError naming the method and URL when no attempt got a response.
  http::Response send(const AzureCall& call) const;
  /// send(), but an unanswered call returns status 0 (http::HttpClient::try_send), which
  /// fail() words with the blob's location.
  http::Response try_send(const AzureCall& call) const;

  /// The URL of a blob (or of the container), without the SAS token.
  std::string url_of(const std::optional<std::string>& blob) const;
  /// "az://container/blob" for messages.
  std::string az_url(std::string_view blob) const;

  /// Throws StorageError: "<action> az://container/blob (<URL>): HTTP <status> <reason>:
  /// <Azure code>: <message>", or for an unanswered call "<action> az://container/blob
  /// (<METHOD> <request URL>): <transport error> (after <n> attempts)".
  [[noreturn]] void fail(std::string_view action, std::string_view blob,
                         const http::Response& response) const;

  const AzureOptions& options() const { return options_; }

 private:
  std::string path_of(const std::optional<std::string>& blob) const;

  AzureOptions options_;
  http::HttpClient http_;
};

/// The error code of an answer: its x-ms-error-code header, else the <Code> of its body.
std::string azure_error_code(const http::Response& response);

/// "Sun, 06 Nov 1994 08:49:37 GMT" for a time in seconds since the epoch.
std::string rfc1123_date(std::int64_t seconds_since_epoch);

}  // namespace nuthatch::azure
