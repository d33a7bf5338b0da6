#include "storage/gcs/gcs_auth.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "common/base64.hpp"
#include "nuthatch/error.hpp"
#include "storage/http/status.hpp"
#include "storage/http/url.hpp"

namespace nuthatch::gcs {
namespace {

constexpr std::string_view kJwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
// A token answered without expires_in is kept this long.
constexpr std::int64_t kDefaultTokenLifetime = 3600;
// Error answers of a token endpoint are short; only their "error" fields are quoted.
constexpr std::size_t kMaxErrorDescription = 200;

std::string string_member(const nlohmann::json& doc, const char* name) {
  const auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string form_encode(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out += '&';
    out += http::uri_encode(name, false) + "=" + http::uri_encode(value, false);
  }
  return out;
}

// The "error" / "error_description" of an OAuth2 error answer (RFC 6749 §5.2), if any.
std::string oauth_error(std::string_view body) {
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object()) return {};
  std::string detail = string_member(doc, "error");
  const std::string description = string_member(doc, "error_description");
  if (!description.empty()) detail += (detail.empty() ? "" : ": ") + description;
  return detail.substr(0, kMaxErrorDescription);
}

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct ContextDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

}  // namespace

Credentials parse_credentials_json(std::string_view json, std::string_view source) {
  const auto doc = nlohmann::json::parse(json, nullptr, false);
  auto fail = [&](std::string_view why) -> Credentials {
    throw ConfigError("GCS credentials in " + std::string(source) + ": " + std::string(why));
  };
  if (!doc.is_object()) return fail("not a JSON object");
  const std::string type = string_member(doc, "type");
  Credentials out;
  if (type == "service_account") {
    out.kind = Credentials::Kind::service_account;
    ServiceAccountKey& key = out.service_account;
    key.client_email = string_member(doc, "client_email");
    key.private_key = string_member(doc, "private_key");
    key.private_key_id = string_member(doc, "private_key_id");
    if (auto uri = string_member(doc, "token_uri"); !uri.empty()) key.token_uri = uri;
    if (key.client_email.empty() || key.private_key.empty()) {
      return fail("a service_account key needs client_email and private_key");
    }
    http::parse_url(key.token_uri, "token_uri");
    return out;
  }
  if (type == "authorized_user") {
    out.kind = Credentials::Kind::authorized_user;
    AuthorizedUser& user = out.authorized_user;
    user.client_id = string_member(doc, "client_id");
    user.client_secret = string_member(doc, "client_secret");
    user.refresh_token = string_member(doc, "refresh_token");
    if (auto uri = string_member(doc, "token_uri"); !uri.empty()) user.token_uri = uri;
    if (user.client_id.empty() || user.refresh_token.empty()) {
      return fail("authorized_user credentials need client_id and refresh_token");
    }
    http::parse_url(user.token_uri, "token_uri");
    return out;
  }
  return fail("unsupported credentials type '" + type.substr(0, 40) +
              "' (expected service_account or authorized_user)");
}

std::string base64url_encode(std::string_view data) {
  std::string out = base64_encode(data);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string padded(text);
  for (char& c : padded) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (padded.size() % 4 != 0) padded += '=';
  return base64_decode(padded);
}

std::string sign_rs256(std::string_view pem_private_key, std::string_view data) {
  const std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(pem_private_key.data(), static_cast<int>(pem_private_key.size())));
  if (!bio) throw StorageError("OpenSSL: cannot allocate a buffer for a private key");
  const std::unique_ptr<EVP_PKEY, KeyDeleter> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) throw ConfigError("the GCS service account's private_key is not a PEM private key");
  const std::unique_ptr<EVP_MD_CTX, ContextDeleter> ctx(EVP_MD_CTX_new());
  std::size_t size = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, bytes, data.size()) != 1) {
    throw ConfigError("the GCS service account's private_key cannot sign RS256 (not an RSA key?)");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, bytes,
                     data.size()) != 1) {
    throw StorageError("OpenSSL: RS256 signing failed");
  }
  signature.resize(size);
  return signature;
}

std::string make_jwt_assertion(const ServiceAccountKey& key, std::string_view scope,
                               std::int64_t issued_at, std::int64_t lifetime_seconds) {
  nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!key.private_key_id.empty()) header["kid"] = key.private_key_id;
  const nlohmann::json claims = {{"iss", key.client_email},
                                 {"scope", scope},
                                 {"aud", key.token_uri},
                                 {"iat", issued_at},
                                 {"exp", issued_at + lifetime_seconds}};
  const std::string signing_input =
      base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  return signing_input + "." + base64url_encode(sign_rs256(key.private_key, signing_input));
}

TokenSource::TokenSource(Credentials credentials, http::TransportPtr transport,
                         http::ClientOptions client_options)
    : credentials_(std::move(credentials)), http_(client_options, std::move(transport)) {}

std::string TokenSource::authorization() {
  switch (credentials_.kind) {
    case Credentials::Kind::anonymous: return {};
    case Credentials::Kind::bearer: return "Bearer " + credentials_.bearer_token;
    default: break;
  }
  std::lock_guard lock(mutex_);
  if (token_.empty() || std::chrono::steady_clock::now() + kRefreshMargin >= expires_) refresh();
  return "Bearer " + token_;
}

void TokenSource::invalidate() {
  std::lock_guard lock(mutex_);
  token_.clear();
}

void TokenSource::refresh() {
  std::string body;
  std::string token_uri;
  if (credentials_.kind == Credentials::Kind::service_account) {
    const ServiceAccountKey& key = credentials_.service_account;
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    body = form_encode({{"grant_type", kJwtBearerGrant},
                        {"assertion", make_jwt_assertion(key, kReadWriteScope, now)}});
    token_uri = key.token_uri;
  } else {
    const AuthorizedUser& user = credentials_.authorized_user;
    body = form_encode({{"grant_type", "refresh_token"},
                        {"client_id", user.client_id},
                        {"client_secret", user.client_secret},
                        {"refresh_token", user.refresh_token}});
    token_uri = user.token_uri;
  }
  const auto started = std::chrono::steady_clock::now();
  const http::Response response =
      http_.send({.method = "POST",
                  .url = token_uri,
                  .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                  .body = body});
  if (response.status != http::kOk) {
    http::throw_status_error("cannot obtain a GCS access token from", token_uri, response,
                             oauth_error(response.body));
  }
  const auto doc = nlohmann::json::parse(response.body, nullptr, false);
  const std::string token = doc.is_object() ? string_member(doc, "access_token") : std::string();
  if (token.empty()) {
    throw StorageError("cannot obtain a GCS access token from " + http::url_for_message(token_uri) +
                       ": the answer holds no access_token");
  }
  std::int64_t lifetime = kDefaultTokenLifetime;
  if (const auto it = doc.find("expires_in"); it != doc.end() && it->is_number_integer()) {
    lifetime = it->get<std::int64_t>();
  }
  token_ = token;
  expires_ = started + std::chrono::seconds(lifetime);
}

}  // namespace nuthatch::gcs
