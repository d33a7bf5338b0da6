// Secret providers, secret masking in redact() and print-config (DESIGN §6).
// The secret registry is process-wide and only grows, so every test uses its own values.

#include <gmock/gmock.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "config/secrets.hpp"
#include "config_fixture.hpp"

namespace nuthatch::config::testing {
namespace {

using ::testing::HasSubstr;

const ParamEntry* entry_for(const std::vector<ParamEntry>& entries, const std::string& name,
                            const std::string& location = "root",
                            const std::string& backend = "") {
  for (const ParamEntry& entry : entries) {
    if (entry.name == name && entry.location == location && entry.backend == backend) {
      return &entry;
    }
  }
  ADD_FAILURE() << "no entry for " << location << "/" << backend << "/" << name;
  return nullptr;
}

TEST(SecretName, MatchesSecretWordsInAnyCase) {
  for (const char* name : {"key", "secret", "password", "token", "aws_session_token",
                           "ACCESS_KEY_ID", "Api_Key", "db_password"}) {
    EXPECT_TRUE(is_secret_name(name)) << name;
  }
  for (const char* name : {"filesystem", "region", "endpoint_url", "backend_kwargs", "anon"}) {
    EXPECT_FALSE(is_secret_name(name)) << name;
  }
}

TEST_F(ConfigTest, ProviderIsCalledLazilyAndCachedPerGeneration) {
  int calls = 0;
  config_parameter("filesystem_options", [&] {
    ++calls;
    return Value::object({{"region", "eu-west-1"}});
  });
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(config::location("root").options, Value::object({{"region", "eu-west-1"}}));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(get_parameter("filesystem_options"), Value::object({{"region", "eu-west-1"}}));
  config::location("root");
  config::location("root", "zarr");  // falls back to the same provider
  EXPECT_EQ(calls, 1);

  set_parameter("cache_mode", "local");  // any change: the provider is asked again
  config::location("root");
  EXPECT_EQ(calls, 2);
}

TEST_F(ConfigTest, ProviderFailureIsAConfigErrorWithRedactedMessage) {
  set_parameter("token", "tok-provider-failure-1234");
  int calls = 0;
  config_parameter("filesystem_options", [&]() -> Value {
    ++calls;
    throw std::runtime_error("vault down for tok-provider-failure-1234");
  });
  EXPECT_EQ(config_error_of([] { config::location("root"); }),
            "secret provider for parameter 'filesystem_options' (location root) failed: "
            "vault down for ****");
  EXPECT_EQ(config_error_of([] { get_parameter("filesystem_options", "root", "zarr"); }),
            "secret provider for parameter 'filesystem_options' (location root) failed: "
            "vault down for ****");
  EXPECT_EQ(calls, 2);  // a failure is not cached
}

TEST_F(ConfigTest, ProviderReturningTheWrongTypeIsAConfigError) {
  config_parameter("filesystem", [] { return Value(42); });
  EXPECT_THAT(config_error_of([] { config::location("root"); }),
              HasSubstr("parameter 'filesystem' (location root)"));
}

TEST_F(ConfigTest, ProviderForOtherLocationsAndBackends) {
  config_parameter("filesystem", [] { return Value("/provided-zarr"); },
                   {.location = "local", .backend = "zarr"});
  EXPECT_EQ(config::location("local", "zarr").url, "/provided-zarr");
  EXPECT_EQ(config::location("local").url, (xdg_ / "nuthatch").string());
}

TEST_F(ConfigTest, SecretsFromFilesAreRedacted) {
  write_file(work_ / "pyproject.toml", R"(
[tool.nuthatch]
filesystem = "s3://bucket/caches"
[tool.nuthatch.filesystem_options]
key = "AKIAFILEKEY0001"
secret = "file-secret-value-0001"
endpoint_url = "http://127.0.0.1:9000"
[tool.nuthatch.filesystem_options.nested]
aws_session_token = "nested-session-token-0001"
)");
  reset_config();
  config::location("root");
  EXPECT_EQ(redact("key=AKIAFILEKEY0001 secret=file-secret-value-0001 "
                   "token=nested-session-token-0001 at http://127.0.0.1:9000"),
            "key=**** secret=**** token=**** at http://127.0.0.1:9000");
}

TEST_F(ConfigTest, SecretsFromEnvironmentAreRedactedOnceResolved) {
  set_env("NUTHATCH_FILESYSTEM_OPTIONS", R"({"secret": "env-secret-value-0002"})");
  reset_config();
  config::location("root");
  EXPECT_EQ(redact("env-secret-value-0002"), "****");
}

TEST_F(ConfigTest, MarkedAndSecretNamedParametersAreRedacted) {
  set_parameter("api", "marked-secret-value-0003", {.secret = true});
  set_parameter("aws_session_token", "named-secret-value-0003");
  set_parameter("region", "eu-central-0003");
  EXPECT_EQ(redact("a marked-secret-value-0003 b named-secret-value-0003 c eu-central-0003"),
            "a **** b **** c eu-central-0003");
}

TEST_F(ConfigTest, ShortSecretsAreNotRedacted) {
  set_parameter("key", "abc");
  EXPECT_EQ(redact("abc"), "abc");
}

TEST_F(ConfigTest, LongerSecretIsMaskedWhole) {
  set_parameter("key", "long-secret-0004");
  set_parameter("other_key", "long-secret-0004-extended");
  EXPECT_EQ(redact("[long-secret-0004-extended]"), "[****]");
}

TEST_F(ConfigTest, SecretProviderValuesAreRedactedOnceCalled) {
  // A fresh value on every run (--gtest_repeat): the registry outlives the test.
  static int run = 0;
  const std::string host = "http://provider-host-0005-" + std::to_string(++run) + ".example";
  config_parameter("filesystem_options",
                   [host] { return Value::object({{"endpoint_url", host}}); }, {.secret = true});
  EXPECT_EQ(redact(host), host);
  config::location("root");
  EXPECT_EQ(redact("at " + host + "/x"), "at ****/x");
}

TEST_F(ConfigTest, DumpMasksSecretsAndDoesNotCallProviders) {
  const fs::path file = work_ / "pyproject.toml";
  write_file(file, R"(
[tool.nuthatch.filesystem_options]
key = "dump-file-key-0006"
endpoint_url = "http://127.0.0.1:9000"
)");
  reset_config();
  set_parameter("password", "dump-password-0006");
  set_parameter("label", "not-a-secret", {.secret = false});
  int calls = 0;
  config_parameter("token", [&] {
    ++calls;
    return Value("dump-provider-token-0006");
  });

  std::vector<ParamEntry> masked = dump(false);
  EXPECT_EQ(calls, 0);
  const ParamEntry* options = entry_for(masked, "filesystem_options");
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->value,
            Value::object({{"key", "****"}, {"endpoint_url", "http://127.0.0.1:9000"}}));
  EXPECT_TRUE(options->secret);
  EXPECT_EQ(options->source, file.string());
  const ParamEntry* password = entry_for(masked, "password");
  ASSERT_NE(password, nullptr);
  EXPECT_EQ(password->value, Value("****"));
  EXPECT_EQ(password->source, "code");
  EXPECT_TRUE(password->secret);
  const ParamEntry* token = entry_for(masked, "token");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->value, Value("<dynamic>"));
  const ParamEntry* label = entry_for(masked, "label");
  ASSERT_NE(label, nullptr);
  EXPECT_EQ(label->value, Value("not-a-secret"));
  EXPECT_FALSE(label->secret);
  const ParamEntry* filesystem = entry_for(masked, "filesystem");
  ASSERT_NE(filesystem, nullptr);
  EXPECT_EQ(filesystem->source, "default");
  const ParamEntry* local = entry_for(masked, "filesystem", "local");
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(masked.front().location, "local");  // local, root, then mirrors

  std::vector<ParamEntry> shown = dump(true);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(entry_for(shown, "token")->value, Value("dump-provider-token-0006"));
  EXPECT_EQ(entry_for(shown, "password")->value, Value("dump-password-0006"));
  EXPECT_EQ(entry_for(shown, "filesystem_options")->value["key"], Value("dump-file-key-0006"));

  // Called in this generation: shown masked, not "<dynamic>", and not called again.
  EXPECT_EQ(entry_for(dump(false), "token")->value, Value("****"));
  EXPECT_EQ(calls, 1);
}

TEST_F(ConfigTest, DumpListsEnvironmentParameters) {
  set_env("NUTHATCH_ROOT_ZARR_FILESYSTEM", "/env-zarr");
  set_env("NUTHATCH_LOG_LEVEL", "debug");
  set_env("NUTHATCH_MIRROR_PUBLIC_FILESYSTEM", "gs://public");
  set_env("NUTHATCH_LOCAL_FILESYSTEM_OPTIONS", R"({"auto_mkdir": true})");
  reset_config();
  const std::vector<ParamEntry> entries = dump(false);
  const ParamEntry* zarr = entry_for(entries, "filesystem", "root", "zarr");
  ASSERT_NE(zarr, nullptr);
  EXPECT_EQ(zarr->value, Value("/env-zarr"));
  EXPECT_EQ(zarr->source, "env NUTHATCH_ROOT_ZARR_FILESYSTEM");
  const ParamEntry* level = entry_for(entries, "log_level");
  ASSERT_NE(level, nullptr);
  EXPECT_EQ(level->value, Value("debug"));
  EXPECT_EQ(level->source, "env NUTHATCH_LOG_LEVEL");
  const ParamEntry* mirror = entry_for(entries, "filesystem", "mirror-public");
  ASSERT_NE(mirror, nullptr);
  EXPECT_EQ(mirror->source, "env NUTHATCH_MIRROR_PUBLIC_FILESYSTEM");
  const ParamEntry* options = entry_for(entries, "filesystem_options", "local");
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->value, Value::object({{"auto_mkdir", true}}));
}

TEST(Redact, IsThreadSafe) {
  std::atomic<bool> stop = false;
  std::thread reader([&] {
    while (!stop) {
      const std::string text = redact("value thread-secret-0007-3 here");
      if (text != "value thread-secret-0007-3 here" && text != "value **** here") {
        ADD_FAILURE() << text;
      }
    }
  });
  for (int i = 0; i < 100; ++i) {
    remember_secrets(Value("thread-secret-0007-" + std::to_string(i)), true);
  }
  stop = true;
  reader.join();
  EXPECT_EQ(redact("value thread-secret-0007-3 here"), "value **** here");
}

}  // namespace
}  // namespace nuthatch::config::testing
