#pragma once
// Azure Storage Shared Key authorization (Blob service, version 2015-02-21 and later):
//
//   StringToSign = VERB \n Content-Encoding \n Content-Language \n Content-Length \n
//                  Content-MD5 \n Content-Type \n Date \n If-Modified-Since \n If-Match \n
//                  If-None-Match \n If-Unmodified-Since \n Range \n
//                  CanonicalizedHeaders CanonicalizedResource
//   Authorization = "SharedKey <account>:" + base64(HMAC-SHA256(base64decode(key), StringToSign))
//
// Content-Length is empty when zero. CanonicalizedHeaders: every x-ms-* header, name
// lower-cased, sorted, "name:value\n" with the value trimmed. CanonicalizedResource:
// "/<account><URL path as sent>", then "\n<name>:<value>" per query parameter, names
// lower-cased and sorted, values decoded (several values of one name joined by ',').

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/http/transport.hpp"

namespace nuthatch::azure {

struct SharedKeyRequest {
  std::string_view method;
  /// Headers as they will be sent (x-ms-date included; names in any case).
  const http::Headers* headers = nullptr;
  std::uint64_t content_length = 0;
  std::string_view account;
  /// The URL path as sent (percent-encoded), e.g. "/container/dir/blob".
  std::string_view path;
  /// Query parameters, decoded.
  const std::vector<std::pair<std::string, std::string>>* query = nullptr;
};

/// The string a Shared Key signs for `request`.
std::string string_to_sign(const SharedKeyRequest& request);

/// "SharedKey <account>:<signature>" for `request` under the base64 `account_key`. Throws
/// ConfigError (without the key) when the key is not base64.
std::string shared_key_authorization(const SharedKeyRequest& request, std::string_view account_key);

}  // namespace nuthatch::azure
