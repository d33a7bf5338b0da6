#pragma once
// AWS Signature Version 4 for S3, header-based ("Authorization: AWS4-HMAC-SHA256 ..."),
// split into the steps AWS documents so each can be checked against its worked examples:
// canonical request -> string to sign -> signing key -> signature -> Authorization.

#include <chrono>
#include <string>
#include <string_view>

#include "storage/http/transport.hpp"

namespace nuthatch::s3 {

/// An access key pair, with the session token of temporary credentials (may be empty).
struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;
};

/// SHA-256 of the empty payload, hex.
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// One request to sign.
struct SigningRequest {
  std::string_view method;
  std::string_view canonical_uri;    ///< the URI-encoded path, e.g. "/bucket/a%3Db"
  std::string_view canonical_query;  ///< sorted and encoded (http::canonical_query)
  const http::Headers* headers;      ///< every header to sign, including host
  std::string_view payload_hash;     ///< hex SHA-256 of the body
  std::string_view amz_date;         ///< "20130524T000000Z"
  std::string_view region;
  std::string_view service = "s3";
};

/// "20130524T000000Z" for a time point (UTC).
std::string amz_date(std::chrono::system_clock::time_point when);

/// The canonical request (lines joined by '\n').
std::string canonical_request(const SigningRequest& request);
/// "host;range;x-amz-content-sha256;x-amz-date": signed header names, sorted.
std::string signed_headers(const http::Headers& headers);
/// "<date>/<region>/<service>/aws4_request".
std::string credential_scope(const SigningRequest& request);
/// The string to sign.
std::string string_to_sign(const SigningRequest& request);
/// The hex signature.
std::string signature(const SigningRequest& request, std::string_view secret_key);
/// The value of the Authorization header.
std::string authorization(const SigningRequest& request, const Credentials& credentials);

}  // namespace nuthatch::s3
