// Secrets never leave (issue 11, point 8), tried as a careless teammate would: an Azure
// connection string, a SAS and a password in URLs configured for locations the commands
// then print or fail to reach, and a token passed to a cached function as an ordinary
// (non-cache) argument in every local mode. Nothing printed, logged or stored may hold
// one. Each scenario runs in a child process with a time limit (isolated.hpp).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "cli/run_cli.hpp"
#include "common/log.hpp"
#include "integrity/isolated.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

constexpr std::chrono::seconds kScenarioTime{90};
// Base64, as an Azure account key is (the driver decodes it to sign requests).
constexpr std::string_view kAccountKey =
    "YWR2ZXJzYXJpYWwtYWNjb3VudC1rZXktMDAwOS1hZHZlcnNhcmlhbC1hY2NvdW50LWtleS0wMDA5LQ==";
constexpr std::string_view kSasSignature = "adversarialSasSig0009%2Bsecret%3D";
constexpr std::string_view kUrlPassword = "adversarial-url-pass-0009";
constexpr std::string_view kToken = "adversarial-api-token-0009";

// A closed port on this machine: every request fails at once.
constexpr std::string_view kDeadEndpoint = "http://127.0.0.1:9";

std::string connection_string() {
  return "DefaultEndpointsProtocol=http;AccountName=adversary0009;AccountKey=" +
         std::string(kAccountKey) + ";BlobEndpoint=" + std::string(kDeadEndpoint) +
         "/adversary0009";
}

// Every file name and file content under `dir`.
std::string everything_under(const fs::path& dir) {
  std::string all;
  if (!fs::exists(dir)) return all;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    all += entry.path().string() + "\n";
    if (entry.is_regular_file()) {
      std::ifstream in(entry.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      all += "\n";
    }
  }
  return all;
}

void expect_no_secret(const std::string& text, const std::string& what) {
  EXPECT_THAT(text, Not(HasSubstr(kAccountKey))) << what;
  EXPECT_THAT(text, Not(HasSubstr(kSasSignature))) << what;
  EXPECT_THAT(text, Not(HasSubstr(kUrlPassword))) << what;
  EXPECT_THAT(text, Not(HasSubstr(kToken))) << what;
}

// Locations whose configuration holds every kind of credential, none of them reachable.
std::string leaky_toml() {
  const std::string transport = "max_attempts = 1\nconnect_timeout = 2\nrequest_timeout = 5\n";
  return "[nuthatch.mirror-azure]\nfilesystem = \"az://caches/shared\"\n"
         "[nuthatch.mirror-azure.filesystem_options]\nconnection_string = \"" +
         connection_string() + "\"\n" + transport +
         "[nuthatch.mirror-sas]\nfilesystem = \"" + std::string(kDeadEndpoint) +
         "/caches?sv=2022-11-02&sp=rl&sig=" + std::string(kSasSignature) + "\"\n" +
         "[nuthatch.mirror-sas.filesystem_options]\n" + transport +
         "[nuthatch.mirror-userinfo]\nfilesystem = \"http://carol:" + std::string(kUrlPassword) +
         "@127.0.0.1:9/caches\"\n[nuthatch.mirror-userinfo.filesystem_options]\n" + transport;
}

TEST(SecretsAdversarial, AzureConnectionStringInPrintConfig) {
  EXPECT_ISOLATED_PASS(
      [] {
        nh::testing::TempProject project(leaky_toml());
        for (const auto& args : std::vector<std::vector<std::string>>{
                 {"print-config"},
                 {"print-config", "--json"},
                 {"print-config", "--location", "mirror-azure"},
                 {"print-config", "--location", "mirror-azure", "--json"}}) {
          const nh::testing::CliResult r = nh::testing::run_cli(args);
          EXPECT_EQ(r.status, 0) << r.err;
          expect_no_secret(r.out + r.err, args.back());
          EXPECT_THAT(r.out, HasSubstr("connection_string")) << args.back();
          EXPECT_THAT(r.out, HasSubstr("****")) << args.back();
        }
        // Asked for, they are shown: the masking is print-config's, not lost data.
        const nh::testing::CliResult shown =
            nh::testing::run_cli({"print-config", "--json", "--show-secrets"});
        EXPECT_THAT(shown.out, HasSubstr(kAccountKey));
      },
      {.timeout = kScenarioTime});
}

TEST(SecretsAdversarial, CredentialsInUnreachableLocationsStayOutOfErrors) {
  EXPECT_ISOLATED_PASS(
      [] {
        nh::testing::TempProject project(leaky_toml());
        for (const char* location : {"mirror-azure", "mirror-sas", "mirror-userinfo"}) {
          for (const char* format : {"--json", "-v"}) {
            const nh::testing::CliResult r =
                nh::testing::run_cli({"list", "--location", location, format});
            expect_no_secret(r.out + r.err, std::string(location) + " " + format);
          }
        }
        // Through the engine: a mirror that cannot be read is skipped with a warning.
        nh::log::set_capture(true);
        int calls = 0;
        auto f = nh::cache("leaky_mirror", {"x"}, {.cache_args = {"x"}}, [&](int x) {
          ++calls;
          return x;
        });
        try {
          EXPECT_EQ(f.with({.cache_mode = nh::CacheMode::read_only})(1), 1);
        } catch (const nh::Error& e) {
          expect_no_secret(e.what(), "error");
        }
        const std::string logged = nh::log::take_captured();
        nh::log::set_capture(false);
        expect_no_secret(logged, "log");
      },
      {.timeout = kScenarioTime});
}

TEST(SecretsAdversarial, TokenPassedAsANonCacheArgumentInALocalMode) {
  EXPECT_ISOLATED_PASS(
      [] {
        nh::testing::TempProject project;
        nh::log::set_capture(true);
        nh::log::set_level(nh::log::Level::debug);
        int calls = 0;
        auto fetch = nh::cache("fetch_rows", {"table", "token"}, {.cache_args = {"table"}},
                               [&](std::string table, std::string token) {
                                 ++calls;
                                 return nh::Value::object(
                                     {{"table", table}, {"token_length", int(token.size())}});
                               });
        auto everything = nh::cache("fetch_all", {"token"}, {},
                                    [&](std::string token) { return int(token.size()); });
        for (nh::CacheMode mode :
             {nh::CacheMode::local, nh::CacheMode::local_overwrite, nh::CacheMode::local_sync,
              nh::CacheMode::local_strict, nh::CacheMode::local_api, nh::CacheMode::write}) {
          nh::clear_memoizer();
          try {
            fetch.with({.cache_mode = mode})("sales", std::string(kToken));
            everything.with({.cache_mode = mode})(std::string(kToken));
          } catch (const nh::CacheMissError&) {
            // local_api does not compute; the others wrote the entry it would find.
          }
        }
        EXPECT_GE(calls, 1);
        const std::string stored =
            everything_under(project.local()) + everything_under(project.root());
        EXPECT_THAT(stored, HasSubstr("fetch_rows"));
        EXPECT_THAT(stored, HasSubstr("~args="));
        expect_no_secret(stored, "storage");
        const std::string logged = nh::log::take_captured();
        nh::log::set_capture(false);
        expect_no_secret(logged, "log");
        // Recalled from the local level by its hash, with the same token.
        nh::clear_memoizer();
        const int before = calls;
        fetch.with({.cache_mode = nh::CacheMode::local_strict})("sales", std::string(kToken));
        EXPECT_EQ(calls, before);
        for (const char* location : {"local", "root"}) {
          const nh::testing::CliResult r =
              nh::testing::run_cli({"list", "--location", location, "-v", "--json"});
          EXPECT_EQ(r.status, 0) << r.err;
          expect_no_secret(r.out + r.err, location);
        }
      },
      {.timeout = kScenarioTime});
}

TEST(SecretsAdversarial, SecretNamedArgumentsInAnOldManifestAreMaskedByList) {
  EXPECT_ISOLATED_PASS(
      [] {
        nh::testing::TempProject project;
        // A manifest written by an older engine, which kept every argument of a local entry.
        auto f = nh::cache("old_entry", {"x"}, {.cache_args = {"x"}}, [](int x) { return x; });
        f.with({.cache_mode = nh::CacheMode::local})(1);
        const fs::path manifest = project.local() / "meta" / "_" / "old_entry" / "x=1" /
                                  "basic.json";
        std::ifstream in(manifest);
        nlohmann::ordered_json json = nlohmann::ordered_json::parse(in);
        in.close();
        json["args"]["api_token"] = std::string(kToken);
        std::ofstream(manifest, std::ios::trunc) << json.dump(2);
        const nh::testing::CliResult r =
            nh::testing::run_cli({"list", "--location", "local", "-v", "--json"});
        EXPECT_EQ(r.status, 0) << r.err;
        expect_no_secret(r.out + r.err, "list -v --json");
        EXPECT_THAT(r.out, HasSubstr("api_token"));
      },
      {.timeout = kScenarioTime});
}

}  // namespace
