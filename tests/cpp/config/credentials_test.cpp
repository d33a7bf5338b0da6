// Credentials never leave (issue 11, point 8): an Azure connection_string, SAS signatures,
// credentials in URLs and secret-provider options are masked in log lines, error messages
// and `nuthatch print-config` (text and --json, unless --show-secrets). The rules live in
// config/secrets.cpp; these tests go through each way out.

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include <string>

#include "cli/run_cli.hpp"
#include "common/log.hpp"
#include "config/secrets.hpp"
#include "config_fixture.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::config::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nuthatch::testing::CliResult;
using nuthatch::testing::run_cli;

// Azurite's published development key is not a secret, so made-up values are used.
constexpr std::string_view kAccountKey = "QWNjb3VudEtleTAwMDhTZWNyZXRWYWx1ZQ+/SecretPart==";
constexpr std::string_view kSasSignature = "c2FzLXNpZ25hdHVyZS0wMDA4%2Bsecret%3D";

std::string connection_string() {
  return "DefaultEndpointsProtocol=https;AccountName=devaccount0008;AccountKey=" +
         std::string(kAccountKey) + ";EndpointSuffix=core.windows.net";
}

std::string sas_connection_string() {
  return "BlobEndpoint=https://devaccount0008.blob.core.windows.net;SharedAccessSignature="
         "sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&sig=" +
         std::string(kSasSignature);
}

// --- mask_credentials: the shapes ---------------------------------------------------------

TEST(MaskCredentials, UrlUserInfo) {
  EXPECT_EQ(mask_credentials("GET https://alice:pa55word-0008@host.example/x?y=1 failed"),
            "GET https://****@host.example/x?y=1 failed");
  EXPECT_EQ(mask_credentials("s3://AKIAKEY0008:wJalr/K7MDENG+bPxRfi@bucket/prefix"),
            "s3://****@bucket/prefix");
  EXPECT_EQ(mask_credentials("'ftp://user@host/'"), "'ftp://****@host/'");
  // No user-info: nothing to mask (a port, an '@' in a path, an e-mail address).
  for (const char* plain : {"https://host.example:8443/a@b", "http://127.0.0.1:9000/bucket",
                            "mail alice@example.com", "s3://bucket/prefix/x=1"}) {
    EXPECT_EQ(mask_credentials(plain), plain);
  }
}

TEST(MaskCredentials, SignatureAndTokenFields) {
  EXPECT_EQ(mask_credentials("https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sp=r&sig=" +
                             std::string(kSasSignature) + "&se=2030"),
            "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sp=r&sig=****&se=2030");
  EXPECT_EQ(mask_credentials("?X-Amz-Credential=AKIA%2F0008&X-Amz-Signature=abcdef0123&x=1"),
            "?X-Amz-Credential=****&X-Amz-Signature=****&x=1");
  EXPECT_EQ(mask_credentials("SIG=abcd0008 Token=abcd0008"), "SIG=**** Token=****");
  // A field name is a whole word: "design=" and "x=sig" are not signatures.
  EXPECT_EQ(mask_credentials("design=plain x=sig"), "design=plain x=sig");
}

TEST(MaskCredentials, ConnectionStrings) {
  EXPECT_EQ(mask_credentials(connection_string()),
            "DefaultEndpointsProtocol=https;AccountName=devaccount0008;AccountKey=****;"
            "EndpointSuffix=core.windows.net");
  EXPECT_EQ(mask_credentials(sas_connection_string()),
            "BlobEndpoint=https://devaccount0008.blob.core.windows.net;SharedAccessSignature=****");
}

TEST(MaskCredentials, IsIdempotentAndLeavesOrdinaryTextAlone) {
  for (const std::string& text :
       {connection_string(), sas_connection_string(), std::string("https://u:p@h/?sig=abcd")}) {
    const std::string once = mask_credentials(text);
    EXPECT_EQ(mask_credentials(once), once);
  }
  const std::string ordinary = "entry 'f/x=1/~args=0123abcd' at root: 3 chunks, key=f/x=1";
  EXPECT_EQ(mask_credentials(ordinary), ordinary);
}

// --- names ----------------------------------------------------------------------------------

TEST(SecretName, CoversConnectionStringsAndSas) {
  for (const char* name : {"connection_string", "AZURE_STORAGE_CONNECTION_STRING", "sas_token",
                           "sas", "signature"}) {
    EXPECT_TRUE(is_secret_name(name)) << name;
  }
  EXPECT_FALSE(is_secret_name("account_name"));
}

// --- every way out --------------------------------------------------------------------------

TEST_F(ConfigTest, ErrorsAndLogLinesMaskCredentials) {
  const std::string url = "https://bob:log-pass-0008@host.example/c?sig=" +
                          std::string(kSasSignature);
  const Error error("cannot read " + url + " with " + connection_string());
  EXPECT_THAT(error.what(), Not(HasSubstr("log-pass-0008")));
  EXPECT_THAT(error.what(), Not(HasSubstr(kSasSignature)));
  EXPECT_THAT(error.what(), Not(HasSubstr(kAccountKey)));
  EXPECT_THAT(error.what(), HasSubstr("https://****@host.example/c?sig=****"));

  log::set_capture(true);
  log::warn("retrying " + url + " (" + sas_connection_string() + ")");
  const std::string logged = log::take_captured();
  log::set_capture(false);
  EXPECT_THAT(logged, HasSubstr("retrying https://****@host.example/c?sig=****"));
  EXPECT_THAT(logged, Not(HasSubstr("log-pass-0008")));
  EXPECT_THAT(logged, Not(HasSubstr(kSasSignature)));
}

TEST_F(ConfigTest, ConfiguredCredentialsAreMaskedEvenCutOutOfTheirValue) {
  set_parameter("filesystem", "s3://AKIAKEY0008B:cut-out-secret-0008@bucket/caches");
  set_parameter("filesystem_options",
                Value::object({{"connection_string", connection_string()}}),
                {.location = "mirror-azure"});
  // A driver that splits the URL and names one part alone still leaks nothing.
  EXPECT_EQ(redact("secret 'cut-out-secret-0008' rejected"), "secret '****' rejected");
  EXPECT_THAT(redact(std::string("account key ") + std::string(kAccountKey)),
              Not(HasSubstr(kAccountKey)));
}

TEST_F(ConfigTest, DumpMasksConnectionStringsUrlsAndProviderOptions) {
  set_parameter("filesystem", "https://carol:dump-pass-0008@host.example/caches");
  set_parameter("filesystem_options",
                Value::object({{"connection_string", connection_string()},
                               {"endpoint_url", "https://host.example/?sig=abcd0008sig"}}),
                {.location = "mirror-azure"});
  config_parameter("filesystem_options",
                   [] { return Value::object({{"region", "provided-region-0008"}}); },
                   {.location = "mirror-vault", .secret = true});
  set_parameter("filesystem", "gs://vault-bucket", {.location = "mirror-vault"});
  std::vector<ParamEntry> entries = dump(false);
  auto find = [&](const std::string& location, const std::string& name) -> const ParamEntry& {
    for (const ParamEntry& e : entries) {
      if (e.location == location && e.name == name) return e;
    }
    ADD_FAILURE() << location << "/" << name;
    return entries.front();
  };
  EXPECT_EQ(find("root", "filesystem").value, Value("https://****@host.example/caches"));
  EXPECT_TRUE(find("root", "filesystem").secret);
  const Value& options = find("mirror-azure", "filesystem_options").value;
  EXPECT_EQ(options["connection_string"], Value("****"));
  EXPECT_EQ(options["endpoint_url"], Value("https://host.example/?sig=****"));
  config::location("mirror-vault");  // the provider is called
  entries = dump(false);
  EXPECT_EQ(find("mirror-vault", "filesystem_options").value, Value("****"));
  entries = dump(true);
  EXPECT_EQ(find("mirror-azure", "filesystem_options").value["connection_string"],
            Value(connection_string()));
}

// print-config as the user runs it: a child process in this project.
class PrintConfigTest : public ConfigTest {
 protected:
  void SetUp() override {
    ConfigTest::SetUp();
    write_file(work_ / "pyproject.toml", R"(
[tool.nuthatch]
filesystem = "root-dir"
[tool.nuthatch.mirror-azure]
filesystem = "az://caches/shared"
[tool.nuthatch.mirror-azure.filesystem_options]
connection_string = ")" + connection_string() + R"("
[tool.nuthatch.mirror-sas]
filesystem = "https://sasaccount.blob.core.windows.net/caches?sv=2022-11-02&sig=)" +
                                             std::string(kSasSignature) + R"("
[tool.nuthatch.mirror-userinfo]
filesystem = "https://dave:printed-pass-0008@host.example/caches"
)");
    reset_config();
  }

  static void expect_no_secret(const std::string& text) {
    EXPECT_THAT(text, Not(HasSubstr(kAccountKey)));
    EXPECT_THAT(text, Not(HasSubstr("AccountKey=QW")));
    EXPECT_THAT(text, Not(HasSubstr(kSasSignature)));
    EXPECT_THAT(text, Not(HasSubstr("printed-pass-0008")));
  }
};

TEST_F(PrintConfigTest, AzureConnectionStringSasAndUserInfoAreMaskedInText) {
  const CliResult r = run_cli({"print-config"});
  ASSERT_EQ(r.status, 0) << r.err;
  expect_no_secret(r.out + r.err);
  EXPECT_THAT(r.out, HasSubstr("[mirror-azure]"));
  EXPECT_THAT(r.out, HasSubstr("connection_string\":\"****\""));
  EXPECT_THAT(r.out, HasSubstr("sig=****"));
  EXPECT_THAT(r.out, HasSubstr("https://****@host.example/caches"));
}

TEST_F(PrintConfigTest, AzureConnectionStringSasAndUserInfoAreMaskedInJson) {
  const CliResult r = run_cli({"print-config", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  expect_no_secret(r.out + r.err);
  const nlohmann::json params = nlohmann::json::parse(r.out);
  bool seen = false;
  for (const auto& p : params) {
    if (p["location"] == "mirror-azure" && p["name"] == "filesystem_options") {
      EXPECT_EQ(p["value"]["connection_string"], "****");
      EXPECT_TRUE(p["secret"].get<bool>());
      seen = true;
    }
    if (p["location"] == "mirror-userinfo" && p["name"] == "filesystem") {
      EXPECT_TRUE(p["secret"].get<bool>());
    }
  }
  EXPECT_TRUE(seen);
}

TEST_F(PrintConfigTest, ShowSecretsShowsThem) {
  const CliResult r = run_cli({"print-config", "--json", "--show-secrets"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(kAccountKey));
  EXPECT_THAT(r.out, HasSubstr("printed-pass-0008"));
}

}  // namespace
}  // namespace nuthatch::config::testing
