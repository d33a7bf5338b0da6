#pragma once
// Google OAuth2 for the gcs driver: the credentials a location may use, the JWT that a
// service account signs (RS256, OpenSSL EVP) to obtain an access token, and TokenSource,
// which hands out a bearer token and refreshes it shortly before it expires.
//
//  - service account: a JSON key ({"type": "service_account", "client_email",
//    "private_key", "token_uri", ...}); the assertion is a JWT with iss = client_email,
//    scope, aud = token_uri, iat = now, exp = now + 1 h, exchanged at token_uri
//    (grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer) for an access token;
//  - authorized user (gcloud's application_default_credentials.json): a refresh token
//    exchanged at token_uri (grant_type=refresh_token);
//  - a fixed bearer token string, used as given.
// No message quotes a private key, a refresh token, an assertion or an access token.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "storage/http/client.hpp"

namespace nuthatch::gcs {

/// OAuth2 scope of the tokens the driver asks for.
inline constexpr std::string_view kReadWriteScope =
    "https://www.googleapis.com/auth/devstorage.read_write";
inline constexpr std::string_view kDefaultTokenUri = "https://oauth2.googleapis.com/token";

struct ServiceAccountKey {
  std::string client_email;
  std::string private_key;  ///< PEM
  std::string private_key_id;
  std::string token_uri{kDefaultTokenUri};
};

struct AuthorizedUser {
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;
  std::string token_uri{kDefaultTokenUri};
};

/// How requests of a location are authorized.
struct Credentials {
  enum class Kind { anonymous, bearer, service_account, authorized_user };
  Kind kind = Kind::anonymous;
  std::string bearer_token;  ///< Kind::bearer
  ServiceAccountKey service_account;
  AuthorizedUser authorized_user;
};

/// Parses a credentials JSON document (service_account or authorized_user). Throws
/// ConfigError naming `source` (a file name, or "filesystem_options.token") when it is not
/// one, never quoting its content.
Credentials parse_credentials_json(std::string_view json, std::string_view source);

/// URL-safe base64 without padding (RFC 7515 §2).
std::string base64url_encode(std::string_view data);
/// Decodes URL-safe base64 with or without padding; std::nullopt when malformed.
std::optional<std::string> base64url_decode(std::string_view text);

/// The RS256 signature (RSASSA-PKCS1-v1_5 over SHA-256) of `data` with a PEM private key.
/// Throws ConfigError (without the key) when the key cannot be read.
std::string sign_rs256(std::string_view pem_private_key, std::string_view data);

/// The signed JWT assertion a service account exchanges for an access token, issued at
/// `issued_at` (seconds since the epoch) and valid for `lifetime_seconds`.
std::string make_jwt_assertion(const ServiceAccountKey& key, std::string_view scope,
                               std::int64_t issued_at, std::int64_t lifetime_seconds = 3600);

/// Hands out the Authorization header value of a location's requests. Thread-safe: the
/// token is fetched once and shared, and refreshed by one caller when it is about to
/// expire (kRefreshMargin before) or after invalidate().
class TokenSource {
 public:
  static constexpr std::chrono::seconds kRefreshMargin{300};

  TokenSource(Credentials credentials, http::TransportPtr transport,
              http::ClientOptions client_options);

  /// "Bearer <token>", or "" for anonymous access. Throws StorageError naming the token
  /// URI when an exchange fails.
  std::string authorization();
  /// Forgets the cached token (after a 401), so the next call fetches a new one.
  void invalidate();
  bool anonymous() const { return credentials_.kind == Credentials::Kind::anonymous; }

 private:
  void refresh();

  Credentials credentials_;
  http::HttpClient http_;
  std::mutex mutex_;
  std::string token_;
  std::chrono::steady_clock::time_point expires_{};
};

}  // namespace nuthatch::gcs
