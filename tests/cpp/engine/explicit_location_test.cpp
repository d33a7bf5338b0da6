// A call given its location by a configuration table (CallOptions::location): the
// original Nuthatch's Cache(config, ...) on a filesystem that is not a configured one.

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "common/log.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;
namespace fs = std::filesystem;

namespace {

class ExplicitLocationTest : public ::testing::Test {
 protected:
  void SetUp() override { nh::log::set_capture(true); }
  void TearDown() override { nh::log::set_capture(false); }

  nh::Value table(const fs::path& dir) {
    return nh::Value::object({{"filesystem", dir.string()}});
  }
  nh::CallArgs args(int x) { return nh::CallArgs{{nh::Value(x)}, {}}; }

  nh::testing::TempProject project_;
};

TEST_F(ExplicitLocationTest, CallsReadAndWriteOnlyTheGivenLocation) {
  const fs::path elsewhere = project_.dir() / "elsewhere";
  int calls = 0;
  auto f = nh::cache("given", {"x"}, {.cache_args = {"x"}}, [&](int x) {
    ++calls;
    return x * 2;
  });
  auto there = f.with({.location = table(elsewhere)});
  EXPECT_EQ(there(2), 4);
  EXPECT_EQ(there(2), 4);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(fs::exists(elsewhere));
  EXPECT_FALSE(fs::exists(project_.root() / "_"));  // nothing at the configured root
  EXPECT_EQ(f(2), 4);                                // the configured root misses
  EXPECT_EQ(calls, 2);
  std::optional<nh::engine::StoredEntry> stored =
      nh::engine::stored_entry(f.spec(), args(2), {.location = table(elsewhere)});
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->backend, "basic");
  EXPECT_FALSE(stored->created.empty());
  EXPECT_FALSE(nh::engine::stored_entry(f.spec(), args(3), {.location = table(elsewhere)}).has_value());
}

TEST_F(ExplicitLocationTest, RemovesValueAndNullEntries) {
  const nh::Value where = table(project_.dir() / "other");
  std::optional<int> result = 7;
  auto f = nh::cache("nullable", {"x"}, {.cache_args = {"x"}},
                     [&](int) -> std::optional<int> { return result; });
  const nh::CallOptions at{.location = where};
  EXPECT_EQ(f.with(at)(1), 7);
  EXPECT_FALSE(nh::engine::remove(f.spec(), args(1), at, /*null_entry=*/true));
  EXPECT_TRUE(nh::engine::remove(f.spec(), args(1), at, /*null_entry=*/false));
  EXPECT_FALSE(nh::engine::stored_entry(f.spec(), args(1), at).has_value());
  EXPECT_FALSE(nh::engine::remove(f.spec(), args(1), at, false));
  result = std::nullopt;
  EXPECT_FALSE(f.with(at)(1).has_value());
  EXPECT_EQ(nh::engine::stored_entry(f.spec(), args(1), at)->backend, "null");
  EXPECT_TRUE(nh::engine::remove(f.spec(), args(1), at, true));
  EXPECT_FALSE(nh::engine::stored_entry(f.spec(), args(1), at).has_value());
}

TEST_F(ExplicitLocationTest, ABackendTableGivesThatBackendItsOwnStore) {
  const fs::path base = project_.dir() / "base";
  const fs::path own = project_.dir() / "basic_own";
  nh::Value where = table(base);
  where["basic"] = nh::Value::object({{"filesystem", own.string()}});
  auto f = nh::cache("split", {"x"}, {.cache_args = {"x"}}, [](int x) { return x + 1; });
  EXPECT_EQ(f.with({.location = where})(1), 2);
  EXPECT_TRUE(fs::exists(own));
  EXPECT_FALSE(fs::exists(base / "_"));
}

TEST_F(ExplicitLocationTest, BadTablesAndLocalModesAreErrorsNamingTheProblem) {
  auto f = nh::cache("bad", {"x"}, {.cache_args = {"x"}}, [](int x) { return x; });
  auto message = [&](const nh::CallOptions& o) -> std::string {
    try {
      f.with(o)(1);
    } catch (const nh::ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(message({.location = nh::Value::object()}).find("needs 'filesystem'"),
            std::string::npos);
  EXPECT_NE(message({.location = nh::Value::object({{"filesystem", 3}})})
                .find("'filesystem' must be a string"),
            std::string::npos);
  nh::Value extra = table(project_.dir() / "x");
  extra["basic"] = nh::Value::object({{"chunking", 3}});
  EXPECT_NE(message({.location = extra}).find("unknown parameter 'chunking'"), std::string::npos);
  EXPECT_NE(message({.cache_mode = nh::CacheMode::local, .location = table(project_.dir() / "y")})
                .find("writes the local level"),
            std::string::npos);
}

}  // namespace
