// Pickle is trusted only where the user trusts it (issue 11, point 9): the `trust_pickle`
// parameter per location (true by default for root and local, false for mirrors), and the
// engine skipping entries whose codec runs code on read at an untrusted location.

#include <gmock/gmock.h>

#include <filesystem>
#include <string>

#include "common/log.hpp"
#include "config_fixture.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"

namespace nuthatch::config::testing {
namespace {

using ::testing::HasSubstr;

TEST(RunsCodeOnRead, OnlyThePickleCodec) {
  EXPECT_TRUE(CodecRegistry::get("pickle").runs_code_on_read());
  for (const std::string& name : CodecRegistry::names()) {
    if (name != "pickle") EXPECT_FALSE(CodecRegistry::get(name).runs_code_on_read()) << name;
  }
}

TEST_F(ConfigTest, RootAndLocalAreTrustedMirrorsAreNot) {
  EXPECT_TRUE(trusts_code_payloads("root"));
  EXPECT_TRUE(trusts_code_payloads("local"));
  EXPECT_FALSE(trusts_code_payloads("mirror-public"));
  EXPECT_FALSE(trusts_code_payloads("mirror-public", "pickle"));
}

TEST_F(ConfigTest, TrustPickleFromEachSource) {
  write_file(work_ / "pyproject.toml", R"(
[tool.nuthatch.mirror-toml]
filesystem = "/somewhere"
trust_pickle = true
[tool.nuthatch.mirror-backend.pickle]
trust_pickle = true
[tool.nuthatch.local]
trust_pickle = false
)");
  set_env("NUTHATCH_MIRROR_ENV_TRUST_PICKLE", "true");
  set_env("NUTHATCH_ROOT_TRUST_PICKLE", "false");
  reset_config();
  EXPECT_TRUE(trusts_code_payloads("mirror-toml"));
  EXPECT_TRUE(trusts_code_payloads("mirror-env"));
  EXPECT_TRUE(trusts_code_payloads("mirror-backend", "pickle"));
  EXPECT_FALSE(trusts_code_payloads("mirror-backend"));
  EXPECT_FALSE(trusts_code_payloads("local"));
  EXPECT_FALSE(trusts_code_payloads("root"));
  set_parameter("trust_pickle", true, {.location = "mirror-code"});
  EXPECT_TRUE(trusts_code_payloads("mirror-code"));
}

TEST_F(ConfigTest, TrustPickleMustBeABoolean) {
  EXPECT_THROW(set_parameter("trust_pickle", "yes", {.location = "mirror-x"}), ConfigError);
  set_env("NUTHATCH_MIRROR_BAD_TRUST_PICKLE", "maybe");
  reset_config();
  EXPECT_THROW(trusts_code_payloads("mirror-bad"), ConfigError);
}

// Through the engine, with the `pickle` backend holding bytes (as Python stores them).
class TrustEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { log::set_capture(true); }
  void TearDown() override { log::set_capture(false); }

  // Moves root/ to mirror/ and configures it as mirror-public with `extra` in its table.
  void publish_to_mirror(const std::string& extra = "") {
    const fs::path mirror = project_.dir() / "mirror";
    fs::rename(project_.root(), mirror);
    project_.write_toml("[nuthatch.mirror-public]\nfilesystem = \"" + mirror.string() +
                        "\"\n" + extra);
  }

  int calls_ = 0;
  Cached<Bytes(int)> pickled_ =
      cache("pickled", {"x"}, {.cache_args = {"x"}, .backend = "pickle"}, [this](int x) {
        ++calls_;
        return Bytes("payload-" + std::to_string(x));
      });
  nuthatch::testing::TempProject project_;
};

TEST_F(TrustEngineTest, MirrorPickleIsAMissWithAWarningNamingLocationAndKey) {
  pickled_(1);
  publish_to_mirror();
  log::take_captured();
  EXPECT_EQ(pickled_.with({.cache_mode = CacheMode::read_only})(1).str(), "payload-1");
  EXPECT_EQ(calls_, 2);
  const std::string warned = log::take_captured();
  EXPECT_THAT(warned, HasSubstr("'pickled/x=1' at mirror-public"));
  EXPECT_THAT(warned, HasSubstr("trust_pickle"));
}

TEST_F(TrustEngineTest, TrustedMirrorPickleLoads) {
  pickled_(2);
  publish_to_mirror("trust_pickle = true\n");
  EXPECT_EQ(pickled_.with({.cache_mode = CacheMode::read_only})(2).str(), "payload-2");
  EXPECT_EQ(calls_, 1);
}

TEST_F(TrustEngineTest, RootPickleLoadsUnlessDistrusted) {
  pickled_(3);
  clear_memoizer();
  EXPECT_EQ(pickled_(3).str(), "payload-3");
  EXPECT_EQ(calls_, 1);
  set_parameter("trust_pickle", false);
  log::take_captured();
  EXPECT_EQ(pickled_.with({.cache_mode = CacheMode::read_only})(3).str(), "payload-3");
  EXPECT_EQ(calls_, 2);
  EXPECT_THAT(log::take_captured(), HasSubstr("at root"));
}

TEST_F(TrustEngineTest, OtherBackendsOnAnUntrustedMirrorLoad) {
  auto blob = cache("raw_blob", {"x"}, {.cache_args = {"x"}}, [this](int x) {
    ++calls_;
    return Bytes("blob-" + std::to_string(x));
  });
  blob(4);
  publish_to_mirror();
  EXPECT_EQ(blob.with({.cache_mode = CacheMode::read_only})(4).str(), "blob-4");
  EXPECT_EQ(calls_, 1);
}

}  // namespace
}  // namespace nuthatch::config::testing
