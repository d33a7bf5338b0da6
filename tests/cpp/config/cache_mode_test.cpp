// Cache mode names and function selections (DESIGN §4, §5).

#include <gtest/gtest.h>

#include <string>

#include "nuthatch/error.hpp"
#include "nuthatch/options.hpp"

namespace nuthatch {
namespace {

TEST(CacheMode, ParsesEveryNameAndRoundTrips) {
  for (CacheMode mode : {CacheMode::write, CacheMode::overwrite, CacheMode::read_only,
                         CacheMode::read_only_strict, CacheMode::local, CacheMode::local_overwrite,
                         CacheMode::local_sync, CacheMode::local_strict, CacheMode::local_api,
                         CacheMode::off}) {
    EXPECT_EQ(parse_cache_mode(to_string(mode)), mode) << to_string(mode);
  }
  EXPECT_EQ(to_string(CacheMode::read_only_strict), "read_only_strict");
  EXPECT_EQ(to_string(CacheMode::local_strict), "local_strict");
}

TEST(CacheMode, OfflineIsAnAliasOfLocalStrict) {
  EXPECT_EQ(parse_cache_mode("offline"), CacheMode::local_strict);
  EXPECT_EQ(offline, CacheMode::local_strict);
}

TEST(CacheMode, UnknownNameListsTheValidOnes) {
  try {
    parse_cache_mode("foo");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "unknown cache mode 'foo' (valid: write, overwrite, read_only, read_only_strict, "
                 "local, local_overwrite, local_sync, local_strict, offline, local_api, off)");
  }
  EXPECT_THROW(parse_cache_mode(""), ConfigError);
  EXPECT_THROW(parse_cache_mode("Write"), ConfigError);
}

TEST(FunctionSet, Selects) {
  const FunctionSet none;
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(none.selects("f", "f"));

  const FunctionSet self = true;
  EXPECT_TRUE(self.selects("f", "f"));
  EXPECT_FALSE(self.selects("g", "f"));
  EXPECT_FALSE(FunctionSet(false).selects("f", "f"));

  const FunctionSet names = FunctionSet::names({"f", "g"});
  EXPECT_TRUE(names.selects("g", "f"));
  EXPECT_TRUE(names.selects("f", "x"));
  EXPECT_FALSE(names.selects("h", "h"));
  EXPECT_TRUE(FunctionSet("g").selects("g", "f"));

  const FunctionSet all = FunctionSet::all();
  EXPECT_TRUE(all.selects("anything", "f"));
}

}  // namespace
}  // namespace nuthatch
