// nh::Value <-> JSON (common/json.hpp, common/json_value.hpp): the text to_json writes,
// round trips through from_json (nested objects in order, unicode, the int64 range, the
// extremes of double), what happens to what JSON cannot hold (NaN and infinities become
// null, bytes become {"$bytes": base64}), and malformed text refused with a CodecError
// naming what was parsed and why.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>

#include "common/json.hpp"
#include "common/json_value.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/value.hpp"

namespace nuthatch {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// The message of the CodecError from_json throws on `text`; fails the test when it parses.
std::string parse_error_of(std::string_view text, std::string_view what = "JSON") {
  try {
    Value v = from_json(text, what);
    ADD_FAILURE() << "parsed '" << text << "' as " << v.to_string();
  } catch (const CodecError& e) {
    return e.what();
  }
  return "";
}

TEST(JsonTest, ScalarsRenderAsJson) {
  EXPECT_EQ(to_json(Value()), "null");
  EXPECT_EQ(to_json(Value(true)), "true");
  EXPECT_EQ(to_json(Value(false)), "false");
  EXPECT_EQ(to_json(Value(0)), "0");
  EXPECT_EQ(to_json(Value(-42)), "-42");
  EXPECT_EQ(to_json(Value(std::numeric_limits<std::int64_t>::max())), "9223372036854775807");
  EXPECT_EQ(to_json(Value(std::numeric_limits<std::int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(to_json(Value(2.5)), "2.5");
  EXPECT_EQ(to_json(Value(1.0)), "1.0");  // a float stays a float in the text
  EXPECT_EQ(to_json(Value(-0.0)), "-0.0");
  EXPECT_EQ(to_json(Value("s")), "\"s\"");
}

TEST(JsonTest, ContainersAreCompactOrIndentedAndKeepObjectOrder) {
  const Value v = Value::object({{"z", 1}, {"a", Value::array({true, nullptr})}, {"m", "x"}});
  EXPECT_EQ(to_json(v), "{\"z\":1,\"a\":[true,null],\"m\":\"x\"}");
  EXPECT_EQ(to_json(v, 2),
            "{\n  \"z\": 1,\n  \"a\": [\n    true,\n    null\n  ],\n  \"m\": \"x\"\n}");
  EXPECT_EQ(to_json(Value::array()), "[]");
  EXPECT_EQ(to_json(Value::object()), "{}");
}

TEST(JsonTest, StringsAreEscapedAndUnicodeIsWrittenAsUtf8) {
  EXPECT_EQ(to_json(Value("q\"b\\s/\n\t\x01")), "\"q\\\"b\\\\s/\\n\\t\\u0001\"");
  EXPECT_EQ(to_json(Value("h\u00e9llo \u4e16\u754c \U0001F426")),
            "\"h\u00e9llo \u4e16\u754c \U0001F426\"");
  EXPECT_EQ(to_json(Value(std::string("a\0b", 3))), "\"a\\u0000b\"");
}

TEST(JsonTest, InvalidUtf8IsReplacedNotThrown) {
  // A Value string may hold any bytes; JSON text cannot: U+FFFD stands in for them.
  EXPECT_EQ(to_json(Value("ok\xff")), "\"ok\xEF\xBF\xBD\"");
  EXPECT_EQ(to_json(Value::object({{"k\xc3", 1}})), "{\"k\xEF\xBF\xBD\":1}");
}

TEST(JsonTest, BytesBecomeABase64Object) {
  EXPECT_EQ(to_json(Value(Bytes(std::string("\x00\xff\x10", 3)))), "{\"$bytes\":\"AP8Q\"}");
  EXPECT_EQ(to_json(Value(Bytes())), "{\"$bytes\":\"\"}");
  EXPECT_EQ(from_json("{\"$bytes\":\"AP8Q\"}"), Value(Bytes(std::string("\x00\xff\x10", 3))));
  EXPECT_EQ(from_json("{\"$bytes\":\"\"}"), Value(Bytes()));
}

TEST(JsonTest, OnlyAWellFormedBytesObjectIsBytes) {
  // Invalid base64, a non-string or a second member: an ordinary object.
  EXPECT_EQ(from_json("{\"$bytes\":\"!!!\"}"), Value::object({{"$bytes", "!!!"}}));
  EXPECT_EQ(from_json("{\"$bytes\":1}"), Value::object({{"$bytes", 1}}));
  EXPECT_EQ(from_json("{\"$bytes\":\"AA==\",\"x\":1}"),
            Value::object({{"$bytes", "AA=="}, {"x", 1}}));
}

TEST(JsonTest, NanAndInfinityBecomeNull) {
  EXPECT_EQ(to_json(Value(kNaN)), "null");
  EXPECT_EQ(to_json(Value(kInf)), "null");
  EXPECT_EQ(to_json(Value(-kInf)), "null");
  EXPECT_EQ(from_json(to_json(Value::array({1.5, kNaN, -kInf}))),
            Value::array({1.5, nullptr, nullptr}));
}

TEST(JsonTest, NanAndInfinityTextIsRefused) {
  for (const char* text : {"NaN", "nan", "Infinity", "-Infinity", "inf", "[NaN]"}) {
    EXPECT_THAT(parse_error_of(text), StartsWith("malformed JSON: ")) << text;
  }
}

TEST(JsonTest, NestedValuesRoundTrip) {
  const Value v = Value::object({
      {"name", "h\u00e9llo \u4e16\u754c \U0001F426"},
      {"escapes", "tab\tnl\nquote\"back\\ctl\x1f"},
      {"ints", Value::array({0, -1, std::numeric_limits<std::int64_t>::max(),
                             std::numeric_limits<std::int64_t>::min()})},
      {"floats", Value::array({0.1, -2.5, 1e300, 5e-324, std::numeric_limits<double>::max(),
                               std::numeric_limits<double>::min(), 1e16, 123456789.125})},
      {"flags", Value::array({true, false, nullptr})},
      {"bytes", Bytes(std::string("\x00\x01\xfe\xff", 4))},
      {"nested", Value::object({{"z", Value::object({{"deeper", Value::array({Value::object()})}})},
                                {"a", Value::array()}})},
      {"", "empty key"},
  });
  EXPECT_EQ(from_json(to_json(v)), v);
  EXPECT_EQ(from_json(to_json(v, 4)), v);
}

TEST(JsonTest, NumberKindsSurviveTheRoundTrip) {
  EXPECT_TRUE(from_json("1").is_int());
  EXPECT_TRUE(from_json("1.0").is_double());
  EXPECT_TRUE(from_json("1e2").is_double());
  EXPECT_TRUE(from_json("-0").is_int());
  const Value negative_zero = from_json(to_json(Value(-0.0)));
  ASSERT_TRUE(negative_zero.is_double());
  EXPECT_TRUE(std::signbit(negative_zero.as<double>()));
  EXPECT_EQ(from_json("5e-324").as<double>(), 5e-324);
  EXPECT_EQ(from_json("1e-400"), Value(0.0));  // underflow: zero
}

TEST(JsonTest, IntegersBeyondInt64BecomeDoubles) {
  EXPECT_EQ(from_json("9223372036854775807"), Value(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(from_json("-9223372036854775808"), Value(std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(from_json("9223372036854775808"), Value(9223372036854775808.0));
  EXPECT_EQ(from_json("18446744073709551615"), Value(18446744073709551615.0));
  EXPECT_TRUE(from_json("-9223372036854775809").is_double());
  EXPECT_TRUE(from_json("100000000000000000000000").is_double());
}

TEST(JsonTest, FloatOverflowIsRefused) {
  EXPECT_THAT(parse_error_of("1e400"), HasSubstr("1e400"));
  EXPECT_THAT(parse_error_of("[-1e400]"), HasSubstr("-1e400"));
}

TEST(JsonTest, UnicodeEscapesDecodeToUtf8) {
  EXPECT_EQ(from_json("\"\\u00e9\\u4e16\\ud83d\\udc26\""), Value("\u00e9\u4e16\U0001F426"));
  EXPECT_EQ(from_json("\"\\u0000\""), Value(std::string(1, '\0')));
  EXPECT_THAT(parse_error_of("\"\\ud800\""), StartsWith("malformed JSON: "));  // lone surrogate
  EXPECT_THAT(parse_error_of("\"\xff\""), StartsWith("malformed JSON: "));      // not UTF-8
}

TEST(JsonTest, MalformedTextIsACodecErrorNamingWhatAndWhy) {
  EXPECT_THAT(parse_error_of(""), StartsWith("malformed JSON: "));
  EXPECT_THAT(parse_error_of("   "), StartsWith("malformed JSON: "));
  for (const char* text :
       {"{", "[1,]", "{'a':1}", "{\"a\" 1}", "{\"a\":}", "nul", "tru", "01", "1.", ".5", "+1",
        "1 2", "[1] x", "\"unterminated", "\"bad \\x escape\"", "// comment\n1", "{\"a\":1,}",
        "\"raw\ncontrol\""}) {
    EXPECT_THAT(parse_error_of(text), StartsWith("malformed JSON: ")) << text;
  }
  EXPECT_THAT(parse_error_of("{\"a\":", "manifest meta/x.json"),
              StartsWith("malformed manifest meta/x.json: "));
  // The cause comes from the parser: where, and what it expected.
  EXPECT_THAT(parse_error_of("[1,]"), HasSubstr("syntax error"));
}

TEST(JsonTest, WhitespaceAroundAValueAndTopLevelScalarsAreAccepted) {
  EXPECT_EQ(from_json(" \n\t{\"a\" : [ 1 , 2 ] }\r\n"),
            Value::object({{"a", Value::array({1, 2})}}));
  EXPECT_EQ(from_json("42"), Value(42));
  EXPECT_EQ(from_json("\"s\""), Value("s"));
  EXPECT_EQ(from_json("null"), Value());
}

TEST(JsonTest, DuplicateKeysKeepTheFirstPositionAndTheLastValue) {
  EXPECT_EQ(from_json("{\"a\":1,\"b\":2,\"a\":3}"), Value::object({{"a", 3}, {"b", 2}}));
}

TEST(JsonTest, EmptyContainersAndStrings) {
  EXPECT_EQ(from_json("[]"), Value::array());
  EXPECT_EQ(from_json("{}"), Value::object());
  EXPECT_EQ(from_json("\"\""), Value(""));
  EXPECT_EQ(from_json("{\"\":\"\"}"), Value::object({{"", ""}}));
}

TEST(JsonTest, DeepNestingRoundTrips) {
  constexpr int kDepth = 500;
  const std::string text = std::string(kDepth, '[') + "{\"k\":1}" + std::string(kDepth, ']');
  const Value v = from_json(text);
  EXPECT_EQ(to_json(v), text);
  const Value* cursor = &v;
  for (int i = 0; i < kDepth; ++i) cursor = &(*cursor)[std::size_t{0}];
  EXPECT_EQ(*cursor, Value::object({{"k", 1}}));
}

TEST(JsonTest, NestingUpToTheLimitIsAcceptedOneMoreLevelIsAnError) {
  const auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  EXPECT_NO_THROW(from_json(nested(kMaxJsonDepth)));
  EXPECT_NO_THROW(from_json("{\"a\":" + nested(kMaxJsonDepth - 1) + "}"));
  try {
    from_json(nested(kMaxJsonDepth + 1), "manifest m");
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("manifest m"));
    EXPECT_THAT(e.what(), HasSubstr("nested deeper than " + std::to_string(kMaxJsonDepth)));
  }
  EXPECT_THROW(from_json("{\"a\":" + nested(kMaxJsonDepth) + "}"), CodecError);
}

// Manifests are JSON read from storage: damaged or hostile text must be an error, not a
// crash. Parsed in a child process, so that a stack overflow fails this test only.
TEST(JsonTest, VeryDeepNestingIsAnErrorNamingTheDepthNeverACrash) {
  constexpr int kDepth = 100'000;
  for (const std::string& text :
       {std::string(kDepth, '[') + std::string(kDepth, ']'), std::string(kDepth, '['),
        [] {
          std::string objects;
          for (int i = 0; i < kDepth; ++i) objects += "{\"k\":";
          return objects;
        }()}) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      try {
        Value v = from_json(text);
      } catch (const CodecError& e) {
        const std::string depth = "nested deeper than " + std::to_string(kMaxJsonDepth);
        std::_Exit(std::string(e.what()).find(depth) == std::string::npos ? 3 : 0);
      } catch (...) {
        std::_Exit(2);
      }
      std::_Exit(1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_FALSE(WIFSIGNALED(status)) << "killed by signal " << WTERMSIG(status);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0)
        << "1: parsed, 2: threw something other than CodecError, 3: did not name the depth";
  }
}

TEST(JsonValueTest, ToJsonValueMatchesToJson) {
  const Value v = Value::object(
      {{"b", Bytes("\x01")}, {"n", Value::array({1, 2.5, "s", nullptr, false})}, {"z", 0}});
  const nlohmann::ordered_json j = to_json_value(v);
  EXPECT_EQ(j.dump(), to_json(v));
  EXPECT_EQ(j.begin().key(), "b");  // order kept
  EXPECT_TRUE(j["n"][0].is_number_integer());
  EXPECT_TRUE(j["n"][1].is_number_float());
  EXPECT_EQ(j["b"]["$bytes"], "AQ==");
}

}  // namespace
}  // namespace nuthatch
