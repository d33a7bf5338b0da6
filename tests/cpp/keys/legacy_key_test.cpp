// The original Nuthatch's cache key, computed from argument values. The expected texts are
// what the original 0.4.11 computes for the same Python values (its get_cache_key: str()
// of each value, sorted argument names, '_' between); tests/python/test_legacy_caches.py
// checks the same rule against caches the real original wrote.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "nuthatch/keys.hpp"

namespace nuthatch {
namespace {

TEST(LegacyKeyTest, ScalarsAreJoinedInTheOrderOfTheSortedArgumentNames) {
  EXPECT_EQ(legacy_cache_key("plain", {{"n", 3}, {"label", "b"}}), "plain/b_3");
  EXPECT_EQ(legacy_cache_key("plain", {{"n", 3.0}, {"label", "x y"}}), "plain/x y_3.0");
  EXPECT_EQ(legacy_cache_key("f", {{"b", true}, {"a", Value()}, {"c", false}}),
            "f/None_True_False");
}

TEST(LegacyKeyTest, NoCacheArgumentsLeaveAnEmptyTail) {
  EXPECT_EQ(legacy_cache_key("f", {}), "f/");
}

TEST(LegacyKeyTest, FloatsAreRenderedAsPythonsRepr) {
  EXPECT_EQ(legacy_cache_key("f", {{"x", 0.1}}), "f/0.1");
  EXPECT_EQ(legacy_cache_key("f", {{"x", 1e16}}), "f/1e+16");
  EXPECT_EQ(legacy_cache_key("f", {{"x", 1.5e-5}}), "f/1.5e-05");
  EXPECT_EQ(legacy_cache_key("f", {{"x", std::numeric_limits<double>::infinity()}}), "f/inf");
  EXPECT_EQ(legacy_cache_key("f", {{"x", -2.0}}), "f/-2.0");
}

TEST(LegacyKeyTest, ListsContributeTheirSortedElements) {
  Value list = Value::array({Value("b"), Value(10), Value("a"), Value(2)});
  // str() of each element, sorted as text: "10" < "2" < "a" < "b".
  EXPECT_EQ(legacy_cache_key("f", {{"xs", list}, {"z", 1}}), "f/10_2_a_b_1");
}

TEST(LegacyKeyTest, MapsContributeSortedKeyValuePairs) {
  Value map = Value::object({{"lon", 5}, {"lat", 1.5}});
  EXPECT_EQ(legacy_cache_key("f", {{"box", map}}), "f/lat-1.5_lon-5");
}

TEST(LegacyKeyTest, WhatTheOriginalWouldNotCacheHasNoKey) {
  EXPECT_EQ(legacy_cache_key("f", {{"s", std::string(201, 'x')}}), std::nullopt);
  EXPECT_NE(legacy_cache_key("f", {{"s", std::string(200, 'x')}}), std::nullopt);
  // 200 characters of two bytes each are 200 characters.
  std::string wide;
  for (int i = 0; i < 200; ++i) wide += "\xc3\xa9";
  EXPECT_NE(legacy_cache_key("f", {{"s", wide}}), std::nullopt);
}

TEST(LegacyKeyTest, ValuesThisRuleDoesNotRenderGiveNoKey) {
  EXPECT_EQ(legacy_cache_key("f", {{"b", Value(Bytes("x"))}}), std::nullopt);
  EXPECT_EQ(legacy_cache_key("f", {{"xs", Value::array({Value::array({Value(1)})})}}),
            std::nullopt);
}

}  // namespace
}  // namespace nuthatch
