// nh::Value (nuthatch/value.hpp): construction and kinds, equality (kind-strict, order-
// sensitive for objects), conversions and the KeyError each mismatch throws, member and
// element access, sizes, and the canonical text used in keys and messages.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "nuthatch/error.hpp"
#include "nuthatch/value.hpp"

namespace nuthatch {
namespace {

using ::testing::HasSubstr;

/// The message of the KeyError `f` throws; fails the test when it throws nothing.
template <class F>
std::string key_error_of(F f) {
  try {
    f();
  } catch (const KeyError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a KeyError";
  return "";
}

TEST(ValueTest, DefaultAndNullptrAreNull) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_TRUE(Value(nullptr).is_null());
  EXPECT_EQ(Value().kind(), Value::Kind::null);
  EXPECT_EQ(Value(), Value(nullptr));
  EXPECT_EQ(Value().size(), 0u);
}

TEST(ValueTest, EachConstructorGivesItsKind) {
  EXPECT_EQ(Value(true).kind(), Value::Kind::boolean);
  EXPECT_EQ(Value(0).kind(), Value::Kind::integer);
  EXPECT_EQ(Value(short{-3}).kind(), Value::Kind::integer);
  EXPECT_EQ(Value(std::uint8_t{200}).kind(), Value::Kind::integer);
  EXPECT_EQ(Value(std::uint32_t{4000000000u}).as<std::int64_t>(), 4000000000);
  EXPECT_EQ(Value(2.5).kind(), Value::Kind::floating);
  EXPECT_EQ(Value(1.5f).kind(), Value::Kind::floating);
  EXPECT_EQ(Value(1.5f).as<double>(), 1.5);
  EXPECT_EQ(Value("c string").kind(), Value::Kind::string);
  EXPECT_EQ(Value(std::string_view("view")).kind(), Value::Kind::string);
  EXPECT_EQ(Value(std::string("std")).kind(), Value::Kind::string);
  EXPECT_EQ(Value(Bytes("b")).kind(), Value::Kind::bytes);
  EXPECT_EQ(Value::array().kind(), Value::Kind::array);
  EXPECT_EQ(Value::object().kind(), Value::Kind::object);
  EXPECT_EQ(Value(Value::Array{}).kind(), Value::Kind::array);
  EXPECT_EQ(Value(Value::Members{}).kind(), Value::Kind::object);
}

TEST(ValueTest, KindPredicates) {
  EXPECT_TRUE(Value(1).is_int());
  EXPECT_TRUE(Value(1).is_number());
  EXPECT_FALSE(Value(1).is_double());
  EXPECT_TRUE(Value(1.0).is_double());
  EXPECT_TRUE(Value(1.0).is_number());
  EXPECT_FALSE(Value(true).is_number());  // a bool is not a number
  EXPECT_FALSE(Value(true).is_int());
  EXPECT_TRUE(Value("s").is_string());
  EXPECT_FALSE(Value("s").is_bytes());
  EXPECT_TRUE(Value(Bytes("s")).is_bytes());
  EXPECT_FALSE(Value(Bytes("s")).is_string());
  EXPECT_TRUE(Value::array().is_array());
  EXPECT_TRUE(Value::object().is_object());
  EXPECT_FALSE(Value().is_object());
}

TEST(ValueTest, KindNames) {
  EXPECT_EQ(Value::kind_name(Value::Kind::null), "null");
  EXPECT_EQ(Value::kind_name(Value::Kind::boolean), "bool");
  EXPECT_EQ(Value::kind_name(Value::Kind::integer), "integer");
  EXPECT_EQ(Value::kind_name(Value::Kind::floating), "float");
  EXPECT_EQ(Value::kind_name(Value::Kind::string), "string");
  EXPECT_EQ(Value::kind_name(Value::Kind::bytes), "bytes");
  EXPECT_EQ(Value::kind_name(Value::Kind::array), "array");
  EXPECT_EQ(Value::kind_name(Value::Kind::object), "object");
}

TEST(ValueTest, Int64RangeIsAcceptedAndUnsignedOverflowRefused) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(Value(kMax).as<std::int64_t>(), kMax);
  EXPECT_EQ(Value(kMin).as<std::int64_t>(), kMin);
  EXPECT_EQ(Value(static_cast<std::uint64_t>(kMax)).as<std::int64_t>(), kMax);
  const std::string msg =
      key_error_of([] { Value v(static_cast<std::uint64_t>(kMax) + 1); });
  EXPECT_EQ(msg, "integer value out of int64 range");
  EXPECT_THROW(Value(std::numeric_limits<std::uint64_t>::max()), KeyError);
}

TEST(ValueTest, EqualityIsKindStrict) {
  EXPECT_EQ(Value(1), Value(1));
  EXPECT_NE(Value(1), Value(2));
  EXPECT_NE(Value(1), Value(1.0));  // integer and float never compare equal
  EXPECT_NE(Value(0), Value(false));
  EXPECT_NE(Value(1), Value(true));
  EXPECT_NE(Value("a"), Value(Bytes("a")));
  EXPECT_NE(Value(), Value(0));
  EXPECT_NE(Value(), Value(""));
  EXPECT_NE(Value::array(), Value::object());
  EXPECT_NE(Value::array(), Value());
  EXPECT_EQ(Value(Bytes(std::string("\0\1", 2))), Value(Bytes(std::string("\0\1", 2))));
}

TEST(ValueTest, FloatEqualityFollowsDoubleComparison) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(Value(nan), Value(nan));  // as double ==: NaN equals nothing
  EXPECT_EQ(Value(0.0), Value(-0.0));
  EXPECT_EQ(Value(std::numeric_limits<double>::infinity()),
            Value(std::numeric_limits<double>::infinity()));
}

TEST(ValueTest, ArraysCompareElementwiseAndObjectsByOrderedMembers) {
  EXPECT_EQ(Value::array({1, "a", nullptr}), Value::array({1, "a", nullptr}));
  EXPECT_NE(Value::array({1, 2}), Value::array({2, 1}));
  EXPECT_NE(Value::array({1}), Value::array({1, 1}));
  EXPECT_EQ(Value::object({{"a", 1}, {"b", 2}}), Value::object({{"a", 1}, {"b", 2}}));
  // Objects keep insertion order, and the order is part of the value.
  EXPECT_NE(Value::object({{"a", 1}, {"b", 2}}), Value::object({{"b", 2}, {"a", 1}}));
  EXPECT_NE(Value::object({{"a", 1}}), Value::object({{"a", 1.0}}));
  EXPECT_EQ(Value::object({{"n", Value::array({Value::object({{"k", "v"}})})}}),
            Value::object({{"n", Value::array({Value::object({{"k", "v"}})})}}));
}

TEST(ValueTest, BuildersKeepTheGivenOrder) {
  Value o = Value::object({{"z", 1}, {"a", 2}, {"m", 3}});
  ASSERT_EQ(o.members().size(), 3u);
  EXPECT_EQ(o.members()[0].first, "z");
  EXPECT_EQ(o.members()[1].first, "a");
  EXPECT_EQ(o.members()[2].first, "m");
  Value a = Value::array({3, 1, 2});
  EXPECT_EQ(a[std::size_t{0}], Value(3));
  EXPECT_EQ(a[2], Value(2));
}

TEST(ValueTest, CopiesAreIndependent) {
  Value a = Value::object({{"k", Value::array({1})}});
  Value b = a;
  b["k"].push_back(2);
  b["new"] = "x";
  EXPECT_EQ(a, Value::object({{"k", Value::array({1})}}));
  EXPECT_EQ(b["k"].size(), 2u);
  Value moved = std::move(b);
  EXPECT_EQ(moved.size(), 2u);
}

TEST(ValueTest, ConversionsOfMatchingKinds) {
  EXPECT_TRUE(Value(true).as<bool>());
  EXPECT_EQ(Value(-5).as<int>(), -5);
  EXPECT_EQ(Value(127).as<std::int8_t>(), 127);
  EXPECT_EQ(Value(255).as<std::uint8_t>(), 255);
  EXPECT_EQ(Value(std::numeric_limits<std::int64_t>::max()).as<std::uint64_t>(),
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(Value(2.5).as<double>(), 2.5);
  EXPECT_EQ(Value(2.5).as<float>(), 2.5f);
  EXPECT_EQ(Value(7).as<double>(), 7.0);  // an integer converts to a float type
  EXPECT_EQ(Value("s").as<std::string>(), "s");
  EXPECT_EQ(Value(Bytes("b")).as<Bytes>(), Bytes("b"));
  EXPECT_EQ(Value::array({1}).as<Value::Array>(), Value::Array{Value(1)});
  EXPECT_EQ(Value::object({{"k", 1}}).as<Value::Members>().at(0).first, "k");
}

TEST(ValueTest, WrongKindThrowsKeyErrorNamingBothKindsAndTheValue) {
  EXPECT_EQ(key_error_of([] { Value(1.0).as<int>(); }),
            "expected a value of kind integer, got float 1.0");
  EXPECT_EQ(key_error_of([] { Value(1).as<bool>(); }),
            "expected a value of kind bool, got integer 1");
  EXPECT_EQ(key_error_of([] { Value(true).as<int>(); }),
            "expected a value of kind integer, got bool true");
  EXPECT_EQ(key_error_of([] { Value("3").as<double>(); }),
            "expected a value of kind number, got string 3");
  EXPECT_EQ(key_error_of([] { Value(Bytes(std::string("\x00\xff", 2))).as<std::string>(); }),
            "expected a value of kind string, got bytes hex:00ff");
  EXPECT_EQ(key_error_of([] { Value("b").as<Bytes>(); }),
            "expected a value of kind bytes, got string b");
  EXPECT_EQ(key_error_of([] { Value::object({{"a", 1}}).as<Value::Array>(); }),
            "expected a value of kind array, got object {\"a\":1}");
  EXPECT_EQ(key_error_of([] { Value::array({"x"}).as<Value::Members>(); }),
            "expected a value of kind object, got array [\"x\"]");
  EXPECT_EQ(key_error_of([] { Value().as<std::string>(); }),
            "expected a value of kind string, got null null");
}

TEST(ValueTest, IntegerConversionsAreRangeChecked) {
  EXPECT_EQ(key_error_of([] { Value(300).as<std::int8_t>(); }),
            "expected a value of kind narrower integer, got integer 300");
  EXPECT_EQ(key_error_of([] { Value(-1).as<unsigned>(); }),
            "expected a value of kind unsigned integer, got integer -1");
  EXPECT_EQ(key_error_of([] { Value(-1).as<std::uint64_t>(); }),
            "expected a value of kind unsigned integer, got integer -1");
  EXPECT_THROW(Value(std::int64_t{1} << 40).as<int>(), KeyError);
  EXPECT_THROW(Value(65536).as<std::uint16_t>(), KeyError);
  EXPECT_EQ(Value(-128).as<std::int8_t>(), -128);
  EXPECT_THROW(Value(-129).as<std::int8_t>(), KeyError);
}

TEST(ValueTest, ReferenceAccessorsThrowOnTheWrongKind) {
  const Value i(1);
  EXPECT_THAT(key_error_of([&] { i.string_ref(); }), HasSubstr("kind string, got integer 1"));
  EXPECT_THAT(key_error_of([&] { i.bytes_ref(); }), HasSubstr("kind bytes, got integer 1"));
  EXPECT_THAT(key_error_of([&] { i.array_items(); }), HasSubstr("kind array, got integer 1"));
  EXPECT_THAT(key_error_of([&] { i.members(); }), HasSubstr("kind object, got integer 1"));
  const Value s("text");
  EXPECT_EQ(&s.string_ref(), &s.string_ref());  // no copy
  EXPECT_EQ(s.string_ref(), "text");
  const Value b(Bytes("raw"));
  EXPECT_EQ(b.bytes_ref().view(), "raw");
}

TEST(ValueTest, MutableAccessorsTurnNullIntoContainersButNothingElse) {
  Value a;
  a.array_items().push_back(1);
  EXPECT_EQ(a, Value::array({1}));
  Value o;
  o.members().emplace_back("k", Value(2));
  EXPECT_EQ(o, Value::object({{"k", 2}}));
  Value s("text");
  EXPECT_THROW(s.array_items(), KeyError);
  EXPECT_THROW(s.members(), KeyError);
  EXPECT_EQ(s, Value("text"));  // left unchanged
}

TEST(ValueTest, ConstMemberAccess) {
  const Value o = Value::object({{"a", 1}, {"b", Value::array({true})}});
  EXPECT_EQ(o["a"], Value(1));
  EXPECT_EQ(o["b"][std::size_t{0}], Value(true));
  EXPECT_EQ(key_error_of([&] { o["missing"]; }), "no member 'missing' in {\"a\":1,\"b\":[true]}");
  const Value not_object(5);
  EXPECT_EQ(key_error_of([&] { not_object["a"]; }),
            "expected a value of kind object, got integer 5");
}

TEST(ValueTest, MutableMemberAccessInsertsNullAtTheEnd) {
  Value v;
  v["first"] = 1;
  EXPECT_TRUE(v.is_object());
  Value& inserted = v["second"];
  EXPECT_TRUE(inserted.is_null());
  EXPECT_EQ(v.size(), 2u);
  EXPECT_EQ(v.members()[1].first, "second");
  v["first"] = "replaced";  // existing member: no new one
  EXPECT_EQ(v.size(), 2u);
  EXPECT_EQ(v["first"], Value("replaced"));
  Value n(3);
  EXPECT_THROW(n["k"], KeyError);
}

TEST(ValueTest, FindAndContains) {
  const Value o = Value::object({{"a", nullptr}});
  ASSERT_NE(o.find("a"), nullptr);
  EXPECT_TRUE(o.find("a")->is_null());
  EXPECT_TRUE(o.contains("a"));  // a null member is present
  EXPECT_EQ(o.find("b"), nullptr);
  EXPECT_FALSE(o.contains("b"));
  EXPECT_EQ(Value(1).find("a"), nullptr);  // not an object: absent, no throw
  EXPECT_EQ(Value().find("a"), nullptr);
  EXPECT_FALSE(Value::array({"a"}).contains("a"));
}

TEST(ValueTest, ElementAccessIsRangeCheckedAndNeverInserts) {
  Value a = Value::array({10, 20});
  a[1] = 21;
  EXPECT_EQ(a, Value::array({10, 21}));
  EXPECT_EQ(key_error_of([&] { a[2]; }), "index 2 out of range for an array of 2");
  const Value& ca = a;
  EXPECT_EQ(key_error_of([&] { ca[5]; }), "index 5 out of range for an array of 2");
  Value null;
  EXPECT_THAT(key_error_of([&] { null[0]; }), HasSubstr("kind array, got null"));
  EXPECT_TRUE(null.is_null());
  EXPECT_THROW(Value::object({{"0", 1}})[0], KeyError);
}

TEST(ValueTest, SizeCountsElementsMembersAndBytes) {
  EXPECT_EQ(Value::array({1, 2, 3}).size(), 3u);
  EXPECT_EQ(Value::object({{"a", 1}}).size(), 1u);
  EXPECT_EQ(Value("h\u00e9").size(), 3u);  // UTF-8 bytes, not characters
  EXPECT_EQ(Value(Bytes(std::string(5, '\0'))).size(), 5u);
  EXPECT_EQ(Value(42).size(), 0u);
  EXPECT_EQ(Value(1.5).size(), 0u);
  EXPECT_EQ(Value(true).size(), 0u);
  EXPECT_EQ(Value("").size(), 0u);
  EXPECT_EQ(Value::array().size(), 0u);
}

TEST(ValueTest, PushBackAppendsAndTurnsNullIntoAnArray) {
  Value v;
  v.push_back(1);
  v.push_back("two");
  EXPECT_EQ(v, Value::array({1, "two"}));
  Value o = Value::object();
  EXPECT_THROW(o.push_back(1), KeyError);
  Value s("x");
  EXPECT_THROW(s.push_back(1), KeyError);
}

TEST(ValueTest, ToStringIsCanonicalText) {
  EXPECT_EQ(Value().to_string(), "null");
  EXPECT_EQ(Value(true).to_string(), "true");
  EXPECT_EQ(Value(false).to_string(), "false");
  EXPECT_EQ(Value(-42).to_string(), "-42");
  EXPECT_EQ(Value(std::numeric_limits<std::int64_t>::min()).to_string(), "-9223372036854775808");
  EXPECT_EQ(Value(1.0).to_string(), "1.0");
  EXPECT_EQ(Value(0.1).to_string(), "0.1");
  EXPECT_EQ(Value(-0.0).to_string(), "-0.0");
  EXPECT_EQ(Value(1e16).to_string(), "1e+16");
  EXPECT_EQ(Value(std::numeric_limits<double>::quiet_NaN()).to_string(), "nan");
  EXPECT_EQ(Value(std::numeric_limits<double>::infinity()).to_string(), "inf");
  EXPECT_EQ(Value(-std::numeric_limits<double>::infinity()).to_string(), "-inf");
  EXPECT_EQ(Value("top level").to_string(), "top level");  // unquoted at the top
  EXPECT_EQ(Value(Bytes(std::string("\x01\xab", 2))).to_string(), "hex:01ab");
  EXPECT_EQ(Value(Bytes()).to_string(), "hex:");
  EXPECT_EQ(Value::array().to_string(), "[]");
  EXPECT_EQ(Value::object().to_string(), "{}");
  EXPECT_EQ(Value::array({1, "a", 2.5, nullptr, Bytes("\x02")}).to_string(),
            "[1,\"a\",2.5,null,hex:02]");
  EXPECT_EQ(Value::object({{"z", Value::array({true})}, {"a", "v"}}).to_string(),
            "{\"z\":[true],\"a\":\"v\"}");
}

TEST(ValueTest, ToStringEscapesNestedStringsLikeJsonAndKeepsUnicode) {
  EXPECT_EQ(Value::array({"q\"b\\n\nt\tc\x01"}).to_string(),
            "[\"q\\\"b\\\\n\\nt\\tc\\u0001\"]");
  EXPECT_EQ(Value::object({{"k\"", "v"}}).to_string(), "{\"k\\\"\":\"v\"}");
  EXPECT_EQ(Value::array({"h\u00e9llo \U0001F426"}).to_string(), "[\"h\u00e9llo \U0001F426\"]");
  EXPECT_EQ(Value::array({std::string("a\0b", 3)}).to_string(), "[\"a\\u0000b\"]");
}

TEST(ValueTest, DeepNestingCopiesComparesAndRenders) {
  constexpr int kDepth = 2000;
  Value deep = 0;
  for (int i = 0; i < kDepth; ++i) deep = Value::array({std::move(deep)});
  Value copy = deep;
  EXPECT_EQ(copy, deep);
  const std::string text = deep.to_string();
  EXPECT_EQ(text, std::string(kDepth, '[') + "0" + std::string(kDepth, ']'));
  const Value* cursor = &deep;
  for (int i = 0; i < kDepth; ++i) cursor = &(*cursor)[std::size_t{0}];
  EXPECT_EQ(*cursor, Value(0));
}

TEST(BytesTest, HoldsArbitraryBytes) {
  const std::string raw("\0\xff\x10", 3);
  Bytes b(raw.data(), raw.size());
  EXPECT_EQ(b.size(), 3u);
  EXPECT_FALSE(b.empty());
  EXPECT_EQ(b.view(), raw);
  EXPECT_EQ(b.str(), raw);
  EXPECT_EQ(b.data()[1], 0xff);
  EXPECT_EQ(b, Bytes(raw));
  EXPECT_NE(b, Bytes(std::string("\0\xff", 2)));
  EXPECT_TRUE(Bytes().empty());
  EXPECT_EQ(std::move(b).str(), raw);
}

}  // namespace
}  // namespace nuthatch
