// The az driver beyond the common contract (storage_conformance_test.cpp runs that on
// Azurite): Shared Key signing against known vectors, options and credentials
// (connection strings, environment, SAS), and on Azurite: pagination, staged blocks,
// conditional writes under contention, SAS tokens, and errors that name the location but
// never the key.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <latch>
#include <thread>

#include "common/base64.hpp"
#include "nuthatch/error.hpp"
#include "storage/azure/azure_storage.hpp"
#include "storage/azure/shared_key.hpp"
#include "storage/http/digest.hpp"
#include "storage/http/url.hpp"
#include "support/gcs_azure_servers.hpp"
#include "support/loopback_http.hpp"
#include "support/scoped_env.hpp"

namespace nuthatch {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::EmulatorKind;
using testing::EmulatorServer;
using testing::ScopedEnv;

ScopedEnv clean_azure_env() {
  return ScopedEnv{{"AZURE_STORAGE_ACCOUNT", nullptr},
                   {"AZURE_STORAGE_KEY", nullptr},
                   {"AZURE_STORAGE_SAS_TOKEN", nullptr},
                   {"AZURE_STORAGE_CONNECTION_STRING", nullptr}};
}

// ---- Shared Key (no server) -------------------------------------------------------------

// The example of "Authorize with Shared Key" (Microsoft Learn, Blob service): Get Container
// Metadata with x-ms-date / x-ms-version and three query parameters.
TEST(AzureSharedKeyTest, StringToSignMatchesTheDocumentedExample) {
  const http::Headers headers = {{"x-ms-version", "2015-02-21"},
                                 {"x-ms-date", "Fri, 26 Jun 2015 23:39:12 GMT"}};
  const std::vector<std::pair<std::string, std::string>> query = {
      {"restype", "container"}, {"comp", "metadata"}, {"timeout", "20"}};
  const azure::SharedKeyRequest request{.method = "GET",
                                        .headers = &headers,
                                        .account = "myaccount",
                                        .path = "/mycontainer",
                                        .query = &query};
  EXPECT_EQ(azure::string_to_sign(request),
            "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\n"
            "x-ms-version:2015-02-21\n/myaccount/mycontainer\ncomp:metadata\n"
            "restype:container\ntimeout:20");
  // Signature computed independently (Python hmac / hashlib) under Azurite's public key.
  EXPECT_EQ(azure::shared_key_authorization(request, testing::kAzuriteKey),
            "SharedKey myaccount:1u9lui2jDxj0+fpbHjQ5m5NnastJRSYM+PSmfi8TXx4=");
}

TEST(AzureSharedKeyTest, StandardHeadersLengthAndPathStyleResource) {
  const http::Headers headers = {{"If-None-Match", "*"},
                                 {"x-ms-blob-type", "BlockBlob"},
                                 {"Content-Type", "application/octet-stream"},
                                 {"X-MS-Date", "Wed, 25 Nov 2026 16:00:00 GMT"},
                                 {"x-ms-version", " 2021-12-02 "},
                                 {"User-Agent", "not signed"}};
  const azure::SharedKeyRequest request{.method = "PUT",
                                        .headers = &headers,
                                        .content_length = 11,
                                        .account = "devstoreaccount1",
                                        .path = "/devstoreaccount1/nuthatch-test/p/a%3D1/k.json"};
  EXPECT_EQ(azure::string_to_sign(request),
            "PUT\n\n\n11\n\napplication/octet-stream\n\n\n\n*\n\n\n"
            "x-ms-blob-type:BlockBlob\nx-ms-date:Wed, 25 Nov 2026 16:00:00 GMT\n"
            "x-ms-version:2021-12-02\n"
            "/devstoreaccount1/devstoreaccount1/nuthatch-test/p/a%3D1/k.json");
  EXPECT_EQ(azure::shared_key_authorization(request, testing::kAzuriteKey),
            "SharedKey devstoreaccount1:RU9gc5Tdz231DTco6WNAd4PkAA564B/VN/UHMg1ciIc=");
  // A zero length is signed as an empty field.
  const azure::SharedKeyRequest empty{.method = "DELETE", .account = "a", .path = "/c/b"};
  EXPECT_EQ(azure::string_to_sign(empty), "DELETE\n\n\n\n\n\n\n\n\n\n\n\n/a/c/b");
}

TEST(AzureSharedKeyTest, Rfc1123Dates) {
  EXPECT_EQ(azure::rfc1123_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(azure::rfc1123_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

// ---- options (no server) ----------------------------------------------------------------

TEST(AzureOptionsTest, AccountKeyAndDefaultEndpoint) {
  const ScopedEnv env = clean_azure_env();
  const auto o = azure::resolve_azure_options(
      "az://cont/a/b/", Value::object({{"account_name", "acct"}, {"account_key", "c2VjcmV0"}}));
  EXPECT_EQ(o.container, "cont");
  EXPECT_EQ(o.prefix, "a/b");
  EXPECT_EQ(o.account_name, "acct");
  EXPECT_EQ(o.endpoint.origin(), "https://acct.blob.core.windows.net");
  EXPECT_EQ(o.account_key, "c2VjcmV0");
  const azure::AzureClient client(o, http::default_transport());
  EXPECT_EQ(client.url_of(std::string("a/b/x=1/k.json")),
            "https://acct.blob.core.windows.net/cont/a/b/x%3D1/k.json");
  EXPECT_EQ(client.url_of(std::nullopt), "https://acct.blob.core.windows.net/cont");
}

TEST(AzureOptionsTest, ConnectionStrings) {
  const ScopedEnv env = clean_azure_env();
  auto o = azure::resolve_azure_options(
      "az://c", Value::object({{"connection_string", "UseDevelopmentStorage=true"}}));
  EXPECT_EQ(o.account_name, "devstoreaccount1");
  EXPECT_EQ(o.endpoint.origin(), "http://127.0.0.1:10000");
  EXPECT_EQ(o.endpoint.path, "/devstoreaccount1");
  EXPECT_EQ(o.account_key, testing::kAzuriteKey);
  o = azure::resolve_azure_options(
      "az://c", Value::object({{"connection_string",
                                "DefaultEndpointsProtocol=https;AccountName=acct;"
                                "AccountKey=a2V5PT0=;EndpointSuffix=core.chinacloudapi.cn"}}));
  EXPECT_EQ(o.endpoint.origin(), "https://acct.blob.core.chinacloudapi.cn");
  EXPECT_EQ(o.account_key, "a2V5PT0=");  // the '=' of base64 survives
  o = azure::resolve_azure_options(
      "az://c", Value::object({{"connection_string",
                                "BlobEndpoint=http://127.0.0.1:1234/acct;SharedAccessSignature=sv=2020&sig=abc"}}));
  EXPECT_EQ(o.account_key, "");
  EXPECT_EQ(o.sas_token, "sv=2020&sig=abc");
  EXPECT_EQ(o.account_name, "acct");  // from the path-style endpoint
}

TEST(AzureOptionsTest, EnvironmentAndPrecedence) {
  const ScopedEnv env = clean_azure_env();
  const ScopedEnv azure_env{{"AZURE_STORAGE_ACCOUNT", "envacct"},
                            {"AZURE_STORAGE_KEY", "ZW52a2V5"},
                            {"AZURE_STORAGE_SAS_TOKEN", "?sv=1&sig=envsig"}};
  auto o = azure::resolve_azure_options("az://c/p", Value::object());
  EXPECT_EQ(o.account_name, "envacct");
  EXPECT_EQ(o.account_key, "ZW52a2V5");  // a key wins over a SAS token
  // A credential in the options replaces the environment's.
  o = azure::resolve_azure_options("az://c/p", Value::object({{"sas_token", "?sv=2&sig=optsig"}}));
  EXPECT_EQ(o.account_key, "");
  EXPECT_EQ(o.sas_token, "sv=2&sig=optsig");
  EXPECT_EQ(o.account_name, "envacct");
  const ScopedEnv cs{{"AZURE_STORAGE_CONNECTION_STRING",
                      "AccountName=csacct;AccountKey=Y3NrZXk=;BlobEndpoint=http://127.0.0.1:9/csacct"}};
  o = azure::resolve_azure_options("az://c/p", Value::object());
  EXPECT_EQ(o.account_key, "Y3NrZXk=");
  EXPECT_EQ(o.endpoint.origin(), "http://127.0.0.1:9");
  o = azure::resolve_azure_options("az://c/p", Value::object({{"anon", true}}));
  EXPECT_EQ(o.account_key, "");
  EXPECT_EQ(o.sas_token, "");
}

TEST(AzureOptionsTest, ErrorsNameTheProblemNotTheSecret) {
  const ScopedEnv env = clean_azure_env();
  try {
    azure::resolve_azure_options("az://c/p", Value::object({{"account_name", "acct"}}));
    FAIL() << "no credentials accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no Azure credentials for 'az://c/p'"));
    EXPECT_THAT(e.what(), HasSubstr("AZURE_STORAGE_KEY"));
  }
  try {
    azure::resolve_azure_options("az://c/p", Value::object({{"account_name", "acct"},
                                                            {"account_key", "not base64 !!secret"}}));
    FAIL() << "a malformed key accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("account_key"));
    EXPECT_THAT(e.what(), Not(HasSubstr("secret")));
  }
  EXPECT_THROW(azure::resolve_azure_options("az:///p", Value::object({{"anon", true}})), ConfigError);
  EXPECT_THROW(azure::resolve_azure_options("az://c/p", Value::object({{"anon", true}})), ConfigError)
      << "no account, no endpoint";
  EXPECT_THROW(azure::resolve_azure_options(
                   "az://c/p", Value::object({{"anon", true}, {"endpoint_url", "ftp://x"}})),
               ConfigError);
}

TEST(AzureOptionsTest, RegisteredForTheAzScheme) {
  const ScopedEnv env = clean_azure_env();
  auto storage = StorageRegistry::open(
      "az://some-container/some/prefix/",
      Value::object({{"account_name", "acct"}, {"account_key", "c2VjcmV0"}}));
  ASSERT_NE(dynamic_cast<AzureStorage*>(storage.get()), nullptr);
  EXPECT_EQ(storage->url(), "az://some-container/some/prefix");
  EXPECT_EQ(storage->url_of("meta/_/k.json"), "az://some-container/some/prefix/meta/_/k.json");
}

// ---- against Azurite ------------------------------------------------------------------

class AzuriteTest : public ::testing::Test {
 protected:
  void SetUp() override { NH_REQUIRE_EMULATOR(EmulatorKind::azurite, server_); }

  // A fresh location on Azurite with extra options.
  StoragePtr open(const std::string& what, Value extra = Value::object()) {
    auto location = testing::emulator_location(EmulatorKind::azurite, what, std::move(extra));
    locations_.push_back(location.storage);
    return location.storage;
  }
  void TearDown() override {
    for (auto& location : locations_) location->remove_prefix("");
  }

  std::shared_ptr<EmulatorServer> server_;
  std::vector<StoragePtr> locations_;
};

TEST_F(AzuriteTest, ListingFollowsMarkers) {
  auto storage = open("paged", Value::object({{"max_results", 2}}));
  for (int i = 0; i < 7; ++i) storage->write("k/" + std::to_string(i), std::to_string(i));
  storage->write("other", "x");
  const auto listed = storage->list("k/");
  EXPECT_EQ(listed.size(), 7u);
  std::vector<std::size_t> pages;  // list_pages hands over each List Blobs page
  storage->list_pages("k/", [&](std::vector<ObjectInfo>& page) { pages.push_back(page.size()); });
  EXPECT_EQ(pages, (std::vector<std::size_t>{2, 2, 2, 1}));
  EXPECT_EQ(storage->remove_prefix(""), 8u);
  EXPECT_TRUE(storage->list("").empty());
}

TEST_F(AzuriteTest, LargeWritesStageBlocksInParallel) {
  testing::LoopbackHttpServer proxy(testing::forward_to(server_->port()));
  auto location = testing::emulator_location(
      EmulatorKind::azurite, "blocks",
      Value::object({{"endpoint_url", proxy.endpoint() + "/devstoreaccount1"},
                     {"block_threshold", 1024 * 1024},
                     {"block_size", 256 * 1024}}));
  auto storage = location.storage;
  std::string data(3 * 1024 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 7919) >> 5);
  const int before = proxy.requests();
  storage->write("big.bin", data);
  // 13 staged blocks and one block list.
  EXPECT_EQ(proxy.requests() - before, 14);
  EXPECT_EQ(storage->read("big.bin"), data);
  EXPECT_EQ(storage->stat("big.bin")->size, data.size());
  EXPECT_EQ(storage->read("big.bin", {.offset = 300000, .length = 5}), data.substr(300000, 5));
  // Small writes stay one Put Blob.
  const int small_before = proxy.requests();
  storage->write("small", "tiny");
  EXPECT_EQ(proxy.requests() - small_before, 1);
  storage->remove_prefix("");
}

TEST_F(AzuriteTest, ConditionalWritesHaveOneWinnerAcrossInstances) {
  // Separate driver instances stand for separate processes: nothing in this process
  // serialises them, Azurite's If-None-Match / If-Match does.
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

TEST_F(AzuriteTest, WrongKeyIsAccessDeniedNamingTheLocationNotTheKey) {
  const std::string wrong_key = base64_encode("a wrong key that must never be printed");
  auto location = testing::emulator_location(EmulatorKind::azurite, "denied",
                                             Value::object({{"account_key", wrong_key}}));
  try {
    location.storage->write("x", "y");
    FAIL() << "a wrong key was accepted";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("HTTP 403"));
    EXPECT_THAT(e.what(), HasSubstr("access denied"));
    EXPECT_THAT(e.what(), HasSubstr("az://nuthatch-test/denied-"));
    EXPECT_THAT(e.what(), HasSubstr(server_->endpoint()));
    EXPECT_THAT(e.what(), Not(HasSubstr(wrong_key)));
    EXPECT_THAT(e.what(), Not(HasSubstr(testing::kAzuriteKey)));
  }
  EXPECT_THROW(location.storage->stat("x"), StorageError);
}

TEST_F(AzuriteTest, MissingContainerIsAnErrorButAMissingBlobIsNullopt) {
  auto storage = StorageRegistry::open("az://no-such-container/p", server_->options());
  EXPECT_THROW(storage->read("k"), StorageError);
  EXPECT_THROW(storage->stat("k"), StorageError);
  try {
    storage->list("");
    FAIL() << "listing a missing container succeeded";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("az://no-such-container/p"));
    EXPECT_THAT(e.what(), HasSubstr("ContainerNotFound"));
  }
  auto fine = open("present");
  EXPECT_EQ(fine->read("k"), std::nullopt);
  EXPECT_EQ(fine->stat("k"), std::nullopt);
}

// An account SAS (sv=2019-12-12) signed with the account key, as the portal or the CLI
// would hand one out; the driver only appends it.
std::string account_sas(std::string_view permissions) {
  const std::string version = "2019-12-12";
  const std::string expiry = "2099-01-01T00:00:00Z";
  const std::string to_sign = std::string(testing::kAzuriteAccount) + "\n" + std::string(permissions) +
                              "\nb\nsco\n\n" + expiry + "\n\n\n" + version + "\n";
  const std::string sig =
      base64_encode(http::hmac_sha256(*base64_decode(testing::kAzuriteKey), to_sign));
  return "sv=" + version + "&ss=b&srt=sco&sp=" + std::string(permissions) + "&se=" +
         http::uri_encode(expiry, false) + "&sig=" + http::uri_encode(sig, false);
}

TEST_F(AzuriteTest, SasTokens) {
  auto writer = open("sas");
  writer->write("dir/k", "value");
  const std::string sas = account_sas("rwdlac");
  const Value sas_options = Value::object({{"endpoint_url", server_->endpoint()},
                                           {"account_name", std::string(testing::kAzuriteAccount)},
                                           {"sas_token", "?" + sas}});
  auto storage = StorageRegistry::open(writer->url(), sas_options);
  EXPECT_EQ(storage->read("dir/k"), "value");
  EXPECT_EQ(storage->list("dir/").size(), 1u);
  EXPECT_TRUE(storage->write_if("dir/new", "n", WriteCondition::if_absent()));
  EXPECT_FALSE(storage->write_if("dir/new", "n", WriteCondition::if_absent()));
  storage->remove({"dir/new"});
  EXPECT_EQ(storage->stat("dir/new"), std::nullopt);
  // Read-only SAS: writes are refused, and the message masks the signature.
  const std::string read_sas = account_sas("rl");
  auto reader = StorageRegistry::open(
      writer->url(), Value::object({{"endpoint_url", server_->endpoint()},
                                    {"account_name", std::string(testing::kAzuriteAccount)},
                                    {"sas_token", read_sas}}));
  EXPECT_EQ(reader->read("dir/k"), "value");
  try {
    reader->write("dir/k", "overwritten");
    FAIL() << "a read-only SAS wrote";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("HTTP 403"));
    const std::string sig = read_sas.substr(read_sas.find("sig=") + 4);
    EXPECT_THAT(e.what(), Not(HasSubstr(sig)));
  }
}

}  // namespace
}  // namespace nuthatch
