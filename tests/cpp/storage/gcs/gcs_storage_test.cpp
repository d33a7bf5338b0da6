// The gs driver beyond the common contract (storage_conformance_test.cpp runs that on
// fake-gcs-server): the service-account JWT (signed with a key generated here, verified
// with its public half), the token exchange against a local token endpoint, options and
// credentials, and on fake-gcs-server: pagination, resumable uploads, conditional writes
// under contention, and errors that name the location but never the token.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/json.hpp"
#include "nuthatch/error.hpp"
#include "storage/gcs/gcs_auth.hpp"
#include "storage/gcs/gcs_storage.hpp"
#include "support/gcs_azure_servers.hpp"
#include "support/loopback_http.hpp"
#include "support/scoped_env.hpp"

namespace nuthatch {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::EmulatorKind;
using testing::EmulatorServer;
using testing::RawRequest;
using testing::ScopedEnv;

ScopedEnv clean_gcs_env() {
  return ScopedEnv{{"GOOGLE_APPLICATION_CREDENTIALS", nullptr},
                   {"STORAGE_EMULATOR_HOST", nullptr},
                   {"CLOUDSDK_CONFIG", "/nonexistent/gcloud"}};
}

// A fresh 2048-bit RSA key pair, PEM-encoded.
struct RsaKeyPair {
  std::string private_pem;
  std::string public_pem;
};

RsaKeyPair generate_rsa_key() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  if (key == nullptr) throw std::runtime_error("EVP_RSA_gen failed");
  auto pem = [&](bool is_private) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (is_private) {
      PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    } else {
      PEM_write_bio_PUBKEY(bio, key);
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    return out;
  };
  RsaKeyPair pair{pem(true), pem(false)};
  EVP_PKEY_free(key);
  return pair;
}

bool verify_rs256(const std::string& public_pem, std::string_view data, std::string_view signature) {
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      key != nullptr && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

const RsaKeyPair& test_key() {
  static const RsaKeyPair pair = generate_rsa_key();
  return pair;
}

// A JWT split into its decoded header and claims, its signing input and its signature.
struct DecodedJwt {
  nlohmann::json header;
  nlohmann::json claims;
  std::string signing_input;
  std::string signature;
};

DecodedJwt decode_jwt(const std::string& jwt) {
  const std::size_t first = jwt.find('.');
  const std::size_t second = jwt.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos) throw std::runtime_error("not a JWT");
  DecodedJwt out;
  out.header = nlohmann::json::parse(gcs::base64url_decode(jwt.substr(0, first)).value());
  out.claims = nlohmann::json::parse(gcs::base64url_decode(jwt.substr(first + 1, second - first - 1)).value());
  out.signing_input = jwt.substr(0, second);
  out.signature = gcs::base64url_decode(jwt.substr(second + 1)).value();
  return out;
}

gcs::ServiceAccountKey service_account(const std::string& token_uri) {
  return {.client_email = "cache-writer@nuthatch-test.iam.gserviceaccount.com",
          .private_key = test_key().private_pem,
          .private_key_id = "key-id-1",
          .token_uri = token_uri};
}

Value service_account_json(const std::string& token_uri) {
  const auto key = service_account(token_uri);
  return Value::object({{"type", "service_account"},
                        {"project_id", "nuthatch-test"},
                        {"private_key_id", key.private_key_id},
                        {"private_key", key.private_key},
                        {"client_email", key.client_email},
                        {"token_uri", key.token_uri}});
}

// ---- JWT and token exchange (no GCS server) ---------------------------------------------

TEST(GcsJwtTest, AssertionIsSignedRs256WithTheClaimsGoogleExpects) {
  const auto key = service_account("https://oauth2.googleapis.com/token");
  const std::string jwt = gcs::make_jwt_assertion(key, gcs::kReadWriteScope, 1700000000);
  EXPECT_EQ(jwt.find('='), std::string::npos);  // base64url, unpadded
  EXPECT_EQ(jwt.find('+'), std::string::npos);
  const DecodedJwt decoded = decode_jwt(jwt);
  EXPECT_EQ(decoded.header["alg"], "RS256");
  EXPECT_EQ(decoded.header["typ"], "JWT");
  EXPECT_EQ(decoded.header["kid"], "key-id-1");
  EXPECT_EQ(decoded.claims["iss"], key.client_email);
  EXPECT_EQ(decoded.claims["aud"], "https://oauth2.googleapis.com/token");
  EXPECT_EQ(decoded.claims["scope"], "https://www.googleapis.com/auth/devstorage.read_write");
  EXPECT_EQ(decoded.claims["iat"], 1700000000);
  EXPECT_EQ(decoded.claims["exp"], 1700003600);
  EXPECT_EQ(decoded.signature.size(), 256u);
  EXPECT_TRUE(verify_rs256(test_key().public_pem, decoded.signing_input, decoded.signature));
  // Any change to the signed part breaks the signature.
  std::string tampered = decoded.signing_input;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_rs256(test_key().public_pem, tampered, decoded.signature));
  EXPECT_FALSE(verify_rs256(generate_rsa_key().public_pem, decoded.signing_input, decoded.signature));
}

TEST(GcsJwtTest, Base64Url) {
  EXPECT_EQ(gcs::base64url_encode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(gcs::base64url_encode("a"), "YQ");
  EXPECT_EQ(gcs::base64url_decode("YQ"), "a");
  EXPECT_EQ(gcs::base64url_decode("-_-_"), "\xfb\xff\xbf");
}

TEST(GcsJwtTest, BadKeysAreConfigErrorsThatDoNotQuoteThem) {
  const std::string not_a_key = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LW1hdGVyaWFs\n-----END PRIVATE KEY-----\n";
  try {
    gcs::sign_rs256(not_a_key, "data");
    FAIL() << "a garbage key signed";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("private_key"));
    EXPECT_THAT(e.what(), Not(HasSubstr("c2VjcmV0")));
  }
  EXPECT_THROW(gcs::parse_credentials_json("{\"type\":\"service_account\"}", "x"), ConfigError);
  EXPECT_THROW(gcs::parse_credentials_json("[1]", "x"), ConfigError);
  EXPECT_THROW(gcs::parse_credentials_json("{\"type\":\"external_account\"}", "x"), ConfigError);
}

// A token endpoint on 127.0.0.1 that checks the assertion like Google would (grant type,
// signature with the service account's public key, audience) and hands out numbered tokens.
class FakeTokenEndpoint {
 public:
  explicit FakeTokenEndpoint(std::int64_t expires_in = 3600)
      : server_([this, expires_in](const RawRequest& request) { return answer(request, expires_in); }) {}

  std::string uri() const { return server_.endpoint() + "/token"; }
  int issued() const { return issued_; }
  std::string last_error() const {
    std::lock_guard lock(mutex_);
    return last_error_;
  }
  void refuse(bool refuse) { refuse_ = refuse; }

 private:
  static std::string response(int status, const std::string& body) {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  }

  std::string answer(const RawRequest& request, std::int64_t expires_in) {
    auto reject = [&](const std::string& why) {
      std::lock_guard lock(mutex_);
      last_error_ = why;
      return response(400, R"({"error":"invalid_grant","error_description":")" + why + "\"}");
    };
    if (refuse_) return response(401, R"({"error":"invalid_client","error_description":"disabled"})");
    if (request.method != "POST" || request.target != "/token") return reject("wrong request");
    if (request.header("Content-Type") != "application/x-www-form-urlencoded") return reject("content type");
    const std::string prefix = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=";
    if (!request.body.starts_with(prefix)) return reject("grant type");
    try {
      const DecodedJwt jwt = decode_jwt(request.body.substr(prefix.size()));
      if (!verify_rs256(test_key().public_pem, jwt.signing_input, jwt.signature)) return reject("signature");
      if (jwt.claims["aud"] != uri()) return reject("audience");
      const std::int64_t now = std::time(nullptr);
      if (std::abs(jwt.claims["iat"].get<std::int64_t>() - now) > 60) return reject("iat");
    } catch (const std::exception&) {
      return reject("malformed assertion");
    }
    const int n = ++issued_;
    return response(200, R"({"access_token":"ya29.issued-)" + std::to_string(n) +
                             R"(","expires_in":)" + std::to_string(expires_in) +
                             R"(,"token_type":"Bearer"})");
  }

  mutable std::mutex mutex_;
  std::string last_error_;
  std::atomic<int> issued_{0};
  std::atomic<bool> refuse_{false};
  testing::LoopbackHttpServer server_;
};

// A GCS stand-in that records the Authorization header and answers 404 (no such object).
class RecordingGcs {
 public:
  RecordingGcs()
      : server_([this](const RawRequest& request) {
          std::lock_guard lock(mutex_);
          authorizations_.push_back(request.header("Authorization"));
          const std::string body = R"({"error":{"code":404,"message":"No such object"}})";
          return "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
        }) {}
  std::string endpoint() const { return server_.endpoint(); }
  std::vector<std::string> authorizations() const {
    std::lock_guard lock(mutex_);
    return authorizations_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> authorizations_;
  testing::LoopbackHttpServer server_;
};

TEST(GcsTokenTest, ServiceAccountTokenIsExchangedOnceAndCached) {
  const ScopedEnv env = clean_gcs_env();
  FakeTokenEndpoint tokens;
  RecordingGcs gcs;
  auto storage = StorageRegistry::open(
      "gs://bucket/p", Value::object({{"endpoint_url", gcs.endpoint()},
                                      {"token", service_account_json(tokens.uri())}}));
  EXPECT_EQ(storage->stat("a"), std::nullopt);
  EXPECT_EQ(storage->read("b"), std::nullopt);
  EXPECT_EQ(tokens.last_error(), "");
  EXPECT_EQ(tokens.issued(), 1);
  EXPECT_EQ(gcs.authorizations(), (std::vector<std::string>{"Bearer ya29.issued-1", "Bearer ya29.issued-1"}));
}

TEST(GcsTokenTest, KeyFileFromTheEnvironmentAndRefreshBeforeExpiry) {
  const ScopedEnv env = clean_gcs_env();
  FakeTokenEndpoint tokens(/*expires_in=*/60);  // inside the refresh margin: every call refreshes
  RecordingGcs gcs;
  const std::string path = ::testing::TempDir() + "/nh-gcs-key-" + std::to_string(::getpid()) + ".json";
  std::ofstream(path) << to_json(service_account_json(tokens.uri()));
  const ScopedEnv key_file{{"GOOGLE_APPLICATION_CREDENTIALS", path.c_str()},
                           {"STORAGE_EMULATOR_HOST", gcs.endpoint().c_str()}};
  auto storage = StorageRegistry::open("gs://bucket", Value::object());
  EXPECT_EQ(storage->stat("a"), std::nullopt);
  EXPECT_EQ(storage->stat("a"), std::nullopt);
  EXPECT_EQ(tokens.issued(), 2);
  EXPECT_EQ(gcs.authorizations().back(), "Bearer ya29.issued-2");
  std::filesystem::remove(path);
}

TEST(GcsTokenTest, RefusedExchangeNamesTheTokenUriNotTheKey) {
  const ScopedEnv env = clean_gcs_env();
  FakeTokenEndpoint tokens;
  tokens.refuse(true);
  RecordingGcs gcs;
  auto storage = StorageRegistry::open(
      "gs://bucket/p", Value::object({{"endpoint_url", gcs.endpoint()},
                                      {"token", service_account_json(tokens.uri())}}));
  try {
    storage->stat("a");
    FAIL() << "a refused token exchange succeeded";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot obtain a GCS access token from " + tokens.uri()));
    EXPECT_THAT(e.what(), HasSubstr("HTTP 401"));
    EXPECT_THAT(e.what(), HasSubstr("invalid_client"));
    EXPECT_THAT(e.what(), Not(HasSubstr("PRIVATE KEY")));
  }
  EXPECT_TRUE(gcs.authorizations().empty());
}

// ---- options (no server) ----------------------------------------------------------------

TEST(GcsOptionsTest, UrlEndpointAndTokenForms) {
  const ScopedEnv env = clean_gcs_env();
  auto o = gcs::resolve_gcs_options("gs://bucket/a/b/", Value::object({{"token", "ya29.plain"}}));
  EXPECT_EQ(o.bucket, "bucket");
  EXPECT_EQ(o.prefix, "a/b");
  EXPECT_EQ(o.endpoint.origin(), "https://storage.googleapis.com");
  EXPECT_EQ(o.credentials.kind, gcs::Credentials::Kind::bearer);
  EXPECT_EQ(o.credentials.bearer_token, "ya29.plain");
  o = gcs::resolve_gcs_options("gs://bucket", Value::object({{"token", "anon"}}));
  EXPECT_EQ(o.credentials.kind, gcs::Credentials::Kind::anonymous);
  o = gcs::resolve_gcs_options("gcs://bucket", Value::object({{"anon", true}}));
  EXPECT_EQ(o.credentials.kind, gcs::Credentials::Kind::anonymous);
  o = gcs::resolve_gcs_options("gs://bucket", Value::object({{"token", service_account_json("https://t.example/token")}}));
  EXPECT_EQ(o.credentials.kind, gcs::Credentials::Kind::service_account);
  EXPECT_EQ(o.credentials.service_account.token_uri, "https://t.example/token");
  {
    const ScopedEnv emulator{{"STORAGE_EMULATOR_HOST", "127.0.0.1:4443"}};
    o = gcs::resolve_gcs_options("gs://bucket", Value::object());  // emulator: anonymous
    EXPECT_EQ(o.endpoint.origin(), "http://127.0.0.1:4443");
    EXPECT_EQ(o.credentials.kind, gcs::Credentials::Kind::anonymous);
  }
  o = gcs::resolve_gcs_options("gs://b", Value::object({{"anon", true}, {"chunk_size", 300000}}));
  EXPECT_EQ(o.chunk_size, 262144u);  // rounded down to 256 KiB
  const gcs::GcsClient client(o, http::default_transport());
  EXPECT_EQ(client.url_of(client.object_path("p/x=1/k.json")),
            "https://storage.googleapis.com/storage/v1/b/b/o/p%2Fx%3D1%2Fk.json");
}

TEST(GcsOptionsTest, ErrorsNameTheProblemNotTheSecret) {
  const ScopedEnv env = clean_gcs_env();
  try {
    gcs::resolve_gcs_options("gs://bucket/p", Value::object());
    FAIL() << "no credentials accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no GCS credentials for 'gs://bucket/p'"));
    EXPECT_THAT(e.what(), HasSubstr("GOOGLE_APPLICATION_CREDENTIALS"));
  }
  const ScopedEnv missing{{"GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json"}};
  EXPECT_THROW(gcs::resolve_gcs_options("gs://bucket/p", Value::object()), ConfigError);
  EXPECT_THROW(gcs::resolve_gcs_options("gs:///p", Value::object({{"anon", true}})), ConfigError);
  EXPECT_THROW(gcs::resolve_gcs_options("gs://b/p", Value::object({{"anon", true}, {"endpoint_url", "ftp://x"}})),
               ConfigError);
}

TEST(GcsOptionsTest, RegisteredForTheGsAndGcsSchemes) {
  const ScopedEnv env = clean_gcs_env();
  for (const std::string scheme : {"gs", "gcs"}) {
    auto storage = StorageRegistry::open(scheme + "://some-bucket/some/prefix/", Value::object({{"anon", true}}));
    ASSERT_NE(dynamic_cast<GcsStorage*>(storage.get()), nullptr);
    EXPECT_EQ(storage->url(), scheme + "://some-bucket/some/prefix");
    EXPECT_EQ(storage->url_of("meta/_/k.json"), scheme + "://some-bucket/some/prefix/meta/_/k.json");
  }
}

// ---- against fake-gcs-server ------------------------------------------------------------

class FakeGcsTest : public ::testing::Test {
 protected:
  void SetUp() override { NH_REQUIRE_EMULATOR(EmulatorKind::fake_gcs, server_); }
  StoragePtr open(const std::string& what, Value extra = Value::object()) {
    auto location = testing::emulator_location(EmulatorKind::fake_gcs, what, std::move(extra));
    locations_.push_back(location.storage);
    return location.storage;
  }
  void TearDown() override {
    for (auto& location : locations_) location->remove_prefix("");
  }

  // A request-counting proxy in front of the server; outlives TearDown's clean-up.
  testing::LoopbackHttpServer& proxy() {
    if (!proxy_) proxy_ = std::make_unique<testing::LoopbackHttpServer>(testing::forward_to(server_->port()));
    return *proxy_;
  }

  std::shared_ptr<EmulatorServer> server_;
  std::unique_ptr<testing::LoopbackHttpServer> proxy_;
  std::vector<StoragePtr> locations_;
};

TEST_F(FakeGcsTest, ListingFollowsPageTokens) {
  testing::LoopbackHttpServer& proxy = this->proxy();
  auto storage = open("paged", Value::object({{"max_results", 2}, {"endpoint_url", proxy.endpoint()}}));
  for (int i = 0; i < 7; ++i) storage->write("k/" + std::to_string(i), std::to_string(i));
  storage->write("other", "x");
  const int before = proxy.requests();
  EXPECT_EQ(storage->list("k/").size(), 7u);
  EXPECT_EQ(proxy.requests() - before, 4);  // 2 + 2 + 2 + 1
  // list_pages hands over each objects.list page.
  std::vector<std::size_t> pages;
  storage->list_pages("k/", [&](std::vector<ObjectInfo>& page) { pages.push_back(page.size()); });
  EXPECT_EQ(pages, (std::vector<std::size_t>{2, 2, 2, 1}));
  EXPECT_EQ(storage->remove_prefix(""), 8u);
  EXPECT_TRUE(storage->list("").empty());
}

TEST_F(FakeGcsTest, LargeWritesUseResumableUploadsInChunks) {
  testing::LoopbackHttpServer& proxy = this->proxy();
  auto storage = open("resumable", Value::object({{"endpoint_url", proxy.endpoint()},
                                                  {"resumable_threshold", 1024 * 1024},
                                                  {"chunk_size", 256 * 1024}}));
  std::string data(1024 * 1024 + 300 * 1024 + 5, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 7919) >> 5);
  const int before = proxy.requests();
  storage->write("big.bin", data);
  EXPECT_EQ(proxy.requests() - before, 1 + 6);  // the session, then 6 chunks
  EXPECT_EQ(storage->read("big.bin"), data);
  EXPECT_EQ(storage->stat("big.bin")->size, data.size());
  EXPECT_EQ(storage->read("big.bin", {.offset = 700000, .length = 9}), data.substr(700000, 9));
  const int small_before = proxy.requests();
  storage->write("small", "tiny");
  EXPECT_EQ(proxy.requests() - small_before, 1);
}

TEST_F(FakeGcsTest, ConditionalWritesHaveOneWinnerAcrossInstances) {
  constexpr int kThreads = 12;
  constexpr int kRounds = 5;
  auto first = open("race");
  for (int round = 0; round < kRounds; ++round) {
    const std::string key = "m/" + std::to_string(round) + ".json";
    std::vector<StoragePtr> instances;
    for (int i = 0; i < kThreads; ++i) {
      instances.push_back(StorageRegistry::open(first->url(), server_->options()));
    }
    std::latch start(kThreads);
    std::atomic<int> wins{0};
    std::vector<std::thread> pool;
    for (int i = 0; i < kThreads; ++i) {
      pool.emplace_back([&, i] {
        start.arrive_and_wait();
        if (instances[i]->write_if(key, "w" + std::to_string(i), WriteCondition::if_absent())) ++wins;
      });
    }
    for (auto& t : pool) t.join();
    EXPECT_EQ(wins, 1) << "round " << round;
    const std::string generation = first->stat(key)->generation;
    std::atomic<int> swaps{0};
    std::latch again(kThreads);
    pool.clear();
    for (int i = 0; i < kThreads; ++i) {
      pool.emplace_back([&, i] {
        again.arrive_and_wait();
        if (instances[i]->write_if(key, "s" + std::to_string(i), WriteCondition::if_generation(generation))) ++swaps;
      });
    }
    for (auto& t : pool) t.join();
    EXPECT_EQ(swaps, 1) << "round " << round;
  }
}

TEST_F(FakeGcsTest, MissingBucketIsAnErrorNamingTheLocationNotTheToken) {
  auto storage = StorageRegistry::open("gs://no-such-bucket/p", server_->options());
  try {
    storage->list("");
    FAIL() << "listing a missing bucket succeeded";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("gs://no-such-bucket/p"));
    EXPECT_THAT(e.what(), HasSubstr("HTTP 404"));
    EXPECT_THAT(e.what(), HasSubstr(server_->endpoint()));
    EXPECT_THAT(e.what(), Not(HasSubstr(testing::kFakeGcsToken)));
  }
  EXPECT_THROW(storage->write("k", "v"), StorageError);
}

// fake-gcs-server does not check credentials: a 403 comes from a stand-in.
TEST(GcsErrorTest, AccessDeniedNamesTheObjectAndUrlNotTheToken) {
  const ScopedEnv env = clean_gcs_env();
  testing::LoopbackHttpServer denying([](const RawRequest&) {
    const std::string body =
        R"({"error":{"code":403,"message":"cache-writer does not have storage.objects.create access"}})";
    return "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  });
  const std::string token = "ya29.secret-token-that-must-not-leak";
  auto storage = StorageRegistry::open(
      "gs://bucket/root", Value::object({{"endpoint_url", denying.endpoint()}, {"token", token}}));
  for (const auto& action : std::vector<std::function<void()>>{
           [&] { storage->write("meta/k.json", "v"); }, [&] { storage->read("meta/k.json"); },
           [&] { storage->stat("meta/k.json"); }, [&] { storage->list("meta/"); }}) {
    try {
      action();
      FAIL() << "a 403 was not an error";
    } catch (const StorageError& e) {
      EXPECT_THAT(e.what(), HasSubstr("HTTP 403"));
      EXPECT_THAT(e.what(), HasSubstr("access denied"));
      EXPECT_THAT(e.what(), HasSubstr("gs://bucket/root/meta/"));
      EXPECT_THAT(e.what(), HasSubstr(denying.endpoint()));
      EXPECT_THAT(e.what(), Not(HasSubstr(token)));
    }
  }
}

}  // namespace
}  // namespace nuthatch
