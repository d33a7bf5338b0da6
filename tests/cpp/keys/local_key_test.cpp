// Local-level keys (DESIGN §2, issue 11 point 8): the cache key followed by a hash of the
// other arguments, so a value that is not a cache argument (a token, a password) never
// appears in a path or a manifest, at any level.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/hash.hpp"
#include "common/log.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"

namespace nuthatch {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(LocalKeyTest, IsTheCacheKeyWhenEveryArgumentIsACacheArgument) {
  EXPECT_EQ(local_key("f/x=1", {}), "f/x=1");
  EXPECT_EQ(local_key("f", {}), "f");
}

TEST(LocalKeyTest, EndsInAHashOfTheOtherArguments) {
  const std::string key = local_key("f/x=1", {{"token", Value("tok-local-key-0001")}});
  EXPECT_EQ(key, "f/x=1/~args=" + xxh3_128_hex(R"({"token":"tok-local-key-0001"})"));
  EXPECT_THAT(key, Not(HasSubstr("tok-local-key")));
  EXPECT_EQ(local_key("f", {{"b", Value(2)}, {"a", Value("x y")}}),
            "f/~args=" + xxh3_128_hex(R"({"a":"x y","b":2})"));
}

TEST(LocalKeyTest, SegmentCannotBeAnArgumentSegment) {
  // Argument names start with a letter or '_', so "~args" is never an argument's name.
  EXPECT_THROW(make_key("f", {{std::string(kOtherArgsSegment), Value(1)}}), KeyError);
  EXPECT_THROW(local_key("f", {{std::string(kOtherArgsSegment), Value(1)}}), KeyError);
}

TEST(LocalKeyTest, ArgumentOrderDoesNotMatter) {
  EXPECT_EQ(local_key("f", {{"a", Value(1)}, {"b", Value(2)}}),
            local_key("f", {{"b", Value(2)}, {"a", Value(1)}}));
}

TEST(LocalKeyTest, DistinctArgumentsGiveDistinctKeys) {
  // Values that a naive concatenation would confuse: separators inside values, names
  // versus values, types rendered alike at top level but not nested.
  const std::vector<std::vector<std::pair<std::string, Value>>> cases = {
      {{"a", Value("1/b=2")}},
      {{"a", Value(1)}, {"b", Value(2)}},
      {{"a", Value("1")}, {"b", Value(2)}},
      {{"a", Value("1=b")}, {"c", Value(2)}},
      {{"a", Value::array({1, 2})}},
      {{"a", Value::array({"1", "2"})}},
      {{"a", Value(1)}},
      {{"b", Value(1)}},
      {{"a", Value()}},
      {{"a", Value("null")}},
      {{"a", Value("")}},
      {{"a", Value(true)}},
      {{"a", Value("true")}},
      {{"a", Value(1.0)}},
      {{"a", Value(Bytes(std::string("1")))}},
      {{"a", Value("\"1\"")}},
      {{"a", Value(std::string(1000, 'x'))}},
      {{"a", Value(std::string(1000, 'x') + "y")}},
  };
  std::vector<std::string> keys;
  for (const auto& args : cases) keys.push_back(local_key("f", args));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = i + 1; j < keys.size(); ++j) {
      EXPECT_NE(keys[i], keys[j]) << "case " << i << " and case " << j;
    }
  }
}

TEST(LocalKeyTest, RejectsRepeatedArguments) {
  EXPECT_THROW(local_key("f", {{"a", Value(1)}, {"a", Value(2)}}), KeyError);
}

// --- through the engine ---------------------------------------------------------------

// Every file name and file content under `dir`, as one text.
std::string everything_under(const fs::path& dir) {
  std::string all;
  if (!fs::exists(dir)) return all;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    all += entry.path().string();
    all += '\n';
    if (entry.is_regular_file()) {
      std::ifstream in(entry.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      all += '\n';
    }
  }
  return all;
}

class LocalKeyEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { log::set_capture(true); }
  void TearDown() override { log::set_capture(false); }

  testing::TempProject project_;
};

TEST_F(LocalKeyEngineTest, TokenPassedAsANonCacheArgumentStaysOutOfStorage) {
  constexpr std::string_view kToken = "tok-engine-non-cache-0002";
  int calls = 0;
  auto f = cache("fetch_table", {"table", "api_token"}, {.cache_args = {"table"}},
                 [&](std::string table, std::string token) {
                   ++calls;
                   return table + ":" + std::to_string(token.size());
                 });
  for (CacheMode mode : {CacheMode::local, CacheMode::local_overwrite, CacheMode::write}) {
    f.with({.cache_mode = mode})("sales", std::string(kToken));
  }
  const std::string stored = everything_under(project_.local()) + everything_under(project_.root());
  ASSERT_THAT(stored, HasSubstr("fetch_table"));  // something was written
  EXPECT_THAT(stored, HasSubstr("~args="));
  EXPECT_THAT(stored, Not(HasSubstr(kToken)));
  EXPECT_THAT(stored, Not(HasSubstr("api_token")));
  const std::string uri =
      f.with({.cache_mode = CacheMode::local}).uri("sales", std::string(kToken));
  EXPECT_THAT(uri, Not(HasSubstr(kToken)));
}

TEST_F(LocalKeyEngineTest, DistinctNonCacheValuesAreDistinctLocalEntries) {
  int calls = 0;
  auto f = cache("scaled", {"x", "scale"}, {.cache_args = {"x"}}, [&](int x, int scale) {
    ++calls;
    return x * scale;
  });
  auto local = f.with({.cache_mode = CacheMode::local});
  EXPECT_EQ(local(2, 3), 6);
  EXPECT_EQ(local(2, 5), 10);  // not the entry of scale=3
  EXPECT_EQ(calls, 2);
  clear_memoizer();
  EXPECT_EQ(local(2, 3), 6);  // recalled from the local level
  EXPECT_EQ(local(2, 5), 10);
  EXPECT_EQ(calls, 2);
  EXPECT_NE(local_key("scaled/x=2", {{"scale", Value(3)}}),
            local_key("scaled/x=2", {{"scale", Value(5)}}));
  for (int scale : {3, 5}) {
    const fs::path meta = project_.local() / "meta" / "_" /
                          local_key("scaled/x=2", {{"scale", Value(scale)}}) / "basic.json";
    EXPECT_TRUE(fs::exists(meta)) << meta;
  }
}

TEST_F(LocalKeyEngineTest, MemoizerKeepsDistinctArgumentsApart) {
  int calls = 0;
  auto f = cache("memo_scaled", {"x", "scale"}, {.cache_args = {"x"}, .memoize = true},
                 [&](int x, int scale) {
                   ++calls;
                   return x * scale;
                 });
  auto no_writes = f.with({.cache_mode = CacheMode::read_only});  // the memoizer alone keeps
  EXPECT_EQ(no_writes(2, 3), 6);
  EXPECT_EQ(no_writes(2, 5), 10);
  EXPECT_EQ(no_writes(2, 3), 6);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace nuthatch
