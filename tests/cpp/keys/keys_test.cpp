// Keys (DESIGN §2): canonical value text identical to Python's, percent-encoded
// segments that can never escape a location, name validation and time formatting.

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/hash.hpp"
#include "keys/python_float_reprs.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/keys.hpp"

namespace nuthatch {
namespace {

std::string error_of(auto&& fn) {
  try {
    fn();
  } catch (const KeyError& e) {
    return e.what();
  }
  return "(no KeyError)";
}

// --- render_key_value ----------------------------------------------------------------

TEST(RenderKeyValueTest, Integers) {
  EXPECT_EQ(render_key_value(Value(0)), "0");
  EXPECT_EQ(render_key_value(Value(42)), "42");
  EXPECT_EQ(render_key_value(Value(-7)), "-7");
  EXPECT_EQ(render_key_value(Value(std::numeric_limits<std::int64_t>::max())),
            "9223372036854775807");
  EXPECT_EQ(render_key_value(Value(std::numeric_limits<std::int64_t>::min())),
            "-9223372036854775808");
}

TEST(RenderKeyValueTest, FloatsLikePythonRepr) {
  const std::vector<std::pair<double, const char*>> cases = {
      {1.0, "1.0"},
      {0.1, "0.1"},
      {1e16, "1e+16"},
      {1e15, "1000000000000000.0"},
      {1e-5, "1e-05"},
      {0.0001, "0.0001"},
      {123456789.123, "123456789.123"},
      {-0.0, "-0.0"},
      {0.0, "0.0"},
      {2.5e-10, "2.5e-10"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {5e-324, "5e-324"},
      {1.5e-5, "1.5e-05"},
      {-1.5, "-1.5"},
      {100.0, "100.0"},
      {1e22, "1e+22"},
      {1.5e300, "1.5e+300"},
      {9999999999999998.0, "9999999999999998.0"},
      {12345678901234567.0, "1.2345678901234568e+16"},
      {0.3, "0.3"},
      {2.0 / 3.0, "0.6666666666666666"},
  };
  for (const auto& [d, repr] : cases) {
    EXPECT_EQ(render_key_value(Value(d)), repr) << "for " << repr;
  }
}

TEST(RenderKeyValueTest, NonFiniteFloats) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(render_key_value(Value(kInf)), "inf");
  EXPECT_EQ(render_key_value(Value(-kInf)), "-inf");
  EXPECT_EQ(render_key_value(Value(std::numeric_limits<double>::quiet_NaN())), "nan");
  EXPECT_EQ(render_key_value(Value(-std::numeric_limits<double>::quiet_NaN())), "nan");
}

TEST(RenderKeyValueTest, MatchesPythonReprOnAGeneratedCorpus) {
  for (const auto& [bits, repr] : testing::kPythonFloatReprs) {
    EXPECT_EQ(render_key_value(Value(std::bit_cast<double>(bits))), repr)
        << "bits 0x" << std::hex << bits;
  }
}

TEST(RenderKeyValueTest, FloatTextRoundTrips) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const double d = std::bit_cast<double>(rng());
    if (!std::isfinite(d)) continue;
    const std::string text = render_key_value(Value(d));
    double back = 0;
    std::from_chars(text.data(), text.data() + text.size(), back);
    EXPECT_EQ(std::bit_cast<std::uint64_t>(back), std::bit_cast<std::uint64_t>(d)) << text;
  }
}

TEST(RenderKeyValueTest, Scalars) {
  EXPECT_EQ(render_key_value(Value(true)), "true");
  EXPECT_EQ(render_key_value(Value(false)), "false");
  EXPECT_EQ(render_key_value(Value()), "null");
  EXPECT_EQ(render_key_value(Value("2013-01-01")), "2013-01-01");
  EXPECT_EQ(render_key_value(Value("with \"quotes\" and\nnewline")),
            "with \"quotes\" and\nnewline");
  EXPECT_EQ(render_key_value(Value("")), "");
  EXPECT_EQ(render_key_value(Value(Bytes(std::string("\x00\xab\xff", 3)))), "hex:00abff");
  EXPECT_EQ(render_key_value(Value(Bytes())), "hex:");
}

TEST(RenderKeyValueTest, ArraysAndObjects) {
  EXPECT_EQ(render_key_value(Value::array({1, 2.5, "a"})), "[1,2.5,\"a\"]");
  EXPECT_EQ(render_key_value(Value::object({{"k", 1}, {"b", Value::array({true, nullptr})}})),
            "{\"k\":1,\"b\":[true,null]}");
  EXPECT_EQ(render_key_value(Value::array()), "[]");
  EXPECT_EQ(render_key_value(Value::object()), "{}");
  EXPECT_EQ(render_key_value(Value::array({Value::array({1.0, 1e16}), Value::object()})),
            "[[1.0,1e+16],{}]");
  EXPECT_EQ(render_key_value(Value::array({Bytes(std::string("\x01", 1))})), "[hex:01]");
}

TEST(RenderKeyValueTest, NestedStringsAreJsonEscaped) {
  EXPECT_EQ(render_key_value(Value::array({"a\"b\\c"})), R"(["a\"b\\c"])");
  EXPECT_EQ(render_key_value(Value::array({"\n\t\r\b\f"})), R"(["\n\t\r\b\f"])");
  EXPECT_EQ(render_key_value(Value::array({std::string("\x01\x1f\x00", 3)})),
            R"(["\u0001\u001f\u0000"])");
  EXPECT_EQ(render_key_value(Value::array({"h\u00e9"})), "[\"h\u00e9\"]");
  EXPECT_EQ(render_key_value(Value::object({{"q\"k", "v"}})), R"({"q\"k":"v"})");
}

TEST(RenderKeyValueTest, ObjectsKeepTheirOrder) {
  EXPECT_EQ(render_key_value(Value::object({{"z", 1}, {"a", 2}})), "{\"z\":1,\"a\":2}");
  EXPECT_EQ(render_key_value(Value::object({{"a", 2}, {"z", 1}})), "{\"a\":2,\"z\":1}");
}

TEST(RenderKeyValueTest, AgreesWithValueToString) {
  Value v = Value::object({{"k", Value::array({1, 0.1, "s"})}});
  EXPECT_EQ(v.to_string(), render_key_value(v));
}

// --- key_segment ---------------------------------------------------------------------

TEST(KeySegmentTest, PlainValuesStayReadable) {
  EXPECT_EQ(key_segment("agg_days", Value(7)), "agg_days=7");
  EXPECT_EQ(key_segment("start", Value("2013-01-01")), "start=2013-01-01");
  EXPECT_EQ(key_segment("x", Value(0.5)), "x=0.5");
  EXPECT_EQ(key_segment("x", Value(-1e-5)), "x=-1e-05");
  EXPECT_EQ(key_segment("flag", Value(true)), "flag=true");
  EXPECT_EQ(key_segment("v", Value("a_b.c-d")), "v=a_b.c-d");
  EXPECT_EQ(key_segment("_private", Value("")), "_private=");
}

TEST(KeySegmentTest, PercentEncodesEverythingElse) {
  EXPECT_EQ(key_segment("p", Value("a b/c")), "p=a%20b%2Fc");
  EXPECT_EQ(key_segment("p", Value("h\u00e9")), "p=h%C3%A9");
  EXPECT_EQ(key_segment("p", Value(1e16)), "p=1e%2B16");
  EXPECT_EQ(key_segment("p", Value(std::string("\0", 1))), "p=%00");
  EXPECT_EQ(key_segment("p", Value("%~=")), "p=%25%7E%3D");
  EXPECT_EQ(key_segment("p", Value::array({1, "a"})), "p=%5B1%2C%22a%22%5D");
  EXPECT_EQ(key_segment("p", Value::object({{"k", nullptr}})), "p=%7B%22k%22%3Anull%7D");
  EXPECT_EQ(key_segment("p", Value(Bytes(std::string("\xff", 1)))), "p=hex%3Aff");
}

TEST(KeySegmentTest, EveryByteOutsideTheSafeSetIsEncoded) {
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const bool safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    char expected[4];
    std::snprintf(expected, sizeof expected, "%%%02X", b);
    EXPECT_EQ(key_segment("v", Value(std::string(1, c))),
              "v=" + (safe ? std::string(1, c) : std::string(expected)))
        << "byte " << b;
  }
}

TEST(KeySegmentTest, LongSegmentsAreHashed) {
  const std::string fits(kMaxSegmentBytes - 2, 'a');  // "x=" + 98 bytes = 100
  EXPECT_EQ(key_segment("x", Value(fits)), "x=" + fits);
  const std::string too_long(kMaxSegmentBytes - 1, 'a');
  EXPECT_EQ(key_segment("x", Value(too_long)), "x=~" + xxh3_128_hex(too_long));
  // The length that counts is the encoded one: 34 bytes become 102 once encoded.
  const std::string spaces(34, ' ');
  EXPECT_EQ(key_segment("x", Value(spaces)), "x=~" + xxh3_128_hex(spaces));
  // The hash is of the rendered value, so equal values hash equally across types.
  Value list = Value(Value::Array(60, Value(1.5)));
  const std::string segment = key_segment("values", list);
  EXPECT_EQ(segment, "values=~" + xxh3_128_hex(render_key_value(list)));
  EXPECT_EQ(segment.size(), std::string("values=~").size() + 32);
}

TEST(KeySegmentTest, ArgumentNamesMustBeIdentifiers) {
  EXPECT_EQ(error_of([] { key_segment("", Value(1)); }),
            "invalid argument name '': must not be empty");
  EXPECT_EQ(error_of([] { key_segment("1x", Value(1)); }),
            "invalid argument name '1x': must start with a letter or '_'");
  EXPECT_EQ(error_of([] { key_segment("a-b", Value(1)); }),
            "invalid argument name 'a-b': character '-' is not allowed (use letters, digits "
            "and '_')");
  EXPECT_THROW(key_segment("a/b", Value(1)), KeyError);
  EXPECT_THROW(key_segment("a=b", Value(1)), KeyError);
  EXPECT_THROW(key_segment("..", Value(1)), KeyError);
  EXPECT_THROW(key_segment(std::string(201, 'a'), Value(1)), KeyError);
  EXPECT_NO_THROW(key_segment(std::string(200, 'a'), Value(1)));
}

// No argument value, however hostile, makes a segment that is not one safe path
// component: only [A-Za-z0-9._-%] after "<arg>=", never '/', NUL, "." or "..".
void expect_safe_segment(const std::string& segment) {
  ASSERT_EQ(segment.rfind("arg=", 0), 0u) << segment;
  EXPECT_NE(segment, ".");
  EXPECT_NE(segment, "..");
  EXPECT_LE(segment.size(), kMaxSegmentBytes);
  for (char c : segment.substr(4)) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '%' ||
                    c == '~';
    EXPECT_TRUE(ok) << "byte " << static_cast<int>(static_cast<unsigned char>(c)) << " in "
                    << segment;
  }
}

TEST(KeySegmentTest, AdversarialValuesCannotEscape) {
  const std::vector<Value> hostile = {
      Value("../../etc"), Value(".."), Value("."), Value("a/b"), Value("/"),
      Value(std::string("\0", 1)), Value(std::string("a\0/..", 5)), Value("\\..\\..\\x"),
      Value("\u2215\u2044"),  // division slash, fraction slash
      Value("\xc0\xaf"),      // overlong '/'
      Value("%2F"), Value("~"), Value("con"), Value(" "), Value("\r\n"),
      Value::array({"..", "/"}), Value::object({{"../x", "/"}}),
      Value(Bytes(std::string("/\0", 2))), Value(std::string(500, '/')),
  };
  for (const Value& v : hostile) {
    SCOPED_TRACE(render_key_value(v));
    expect_safe_segment(key_segment("arg", v));
  }
}

TEST(KeySegmentTest, RandomBytesCannotEscape) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 60);
  for (int i = 0; i < 2000; ++i) {
    std::string s(static_cast<std::size_t>(length(rng)), '\0');
    for (char& c : s) c = static_cast<char>(byte(rng));
    expect_safe_segment(key_segment("arg", Value(s)));
  }
}

// --- make_key ------------------------------------------------------------------------

TEST(MakeKeyTest, SortsArgumentsByName) {
  EXPECT_EQ(make_key("agg_and_clip", {{"start_time", Value("2013-01-01")},
                                      {"end_time", Value("2014-01-01")},
                                      {"agg_days", Value(1)}}),
            "agg_and_clip/agg_days=1/end_time=2014-01-01/start_time=2013-01-01");
  EXPECT_EQ(make_key("f", {{"b", Value(2)}, {"B", Value(1)}, {"_a", Value(0)}}),
            "f/B=1/_a=0/b=2");
}

TEST(MakeKeyTest, NoArgumentsIsTheFunctionName) {
  EXPECT_EQ(make_key("my_first_cache", {}), "my_first_cache");
  EXPECT_EQ(make_key("pkg.module.func-v2", {}), "pkg.module.func-v2");
}

TEST(MakeKeyTest, ValidatesTheFunctionName) {
  EXPECT_EQ(error_of([] { make_key("../evil", {}); }),
            "invalid function name '../evil': must start with a letter or '_'");
  EXPECT_THROW(make_key("", {}), KeyError);
  EXPECT_THROW(make_key("a/b", {}), KeyError);
  EXPECT_THROW(make_key("f", {{"a b", Value(1)}}), KeyError);
}

TEST(MakeKeyTest, RejectsDuplicateArguments) {
  EXPECT_EQ(error_of([] { make_key("f", {{"a", Value(1)}, {"a", Value(2)}}); }),
            "invalid arguments for 'f': argument 'a' is given twice");
}

TEST(MakeKeyTest, LongValuesAreHashedInTheKey) {
  const std::string big(300, 'q');
  EXPECT_EQ(make_key("f", {{"text", Value(big)}, {"n", Value(3)}}),
            "f/n=3/text=~" + xxh3_128_hex(big));
}

// --- validation ----------------------------------------------------------------------

TEST(ValidateNamespaceTest, AcceptsThePattern) {
  for (const char* ns : {"a", "0", "experiment2", "A.b_c-d", "9lives"}) {
    EXPECT_NO_THROW(validate_namespace(ns)) << ns;
  }
  EXPECT_NO_THROW(validate_namespace(std::string(100, 'n')));
}

TEST(ValidateNamespaceTest, RejectsWithAPreciseMessage) {
  EXPECT_EQ(error_of([] { validate_namespace(""); }), "invalid namespace '': must not be empty");
  EXPECT_EQ(error_of([] { validate_namespace(std::string(101, 'n')); }),
            "invalid namespace '" + std::string(101, 'n') + "': longer than 100 characters");
  EXPECT_EQ(error_of([] { validate_namespace("_x"); }),
            "invalid namespace '_x': must start with a letter or digit");
  EXPECT_EQ(error_of([] { validate_namespace("a/b"); }),
            "invalid namespace 'a/b': character '/' is not allowed (use letters, digits, '.', "
            "'_' and '-')");
  EXPECT_EQ(error_of([] { validate_namespace(std::string("a\0b\n", 4)); }),
            "invalid namespace 'a\\x00b\\x0A': character '\\x00' is not allowed (use letters, "
            "digits, '.', '_' and '-')");
  EXPECT_EQ(error_of([] { validate_namespace("it's"); }),
            "invalid namespace 'it\\'s': character '\\'' is not allowed (use letters, digits, "
            "'.', '_' and '-')");
  for (const char* bad : {".", "..", ".hidden", "-x", "a b", "h\u00e9"}) {
    EXPECT_THROW(validate_namespace(bad), KeyError) << bad;
  }
}

TEST(ValidateFunctionNameTest, Pattern) {
  for (const char* ok : {"f", "_", "_f", "agg_and_clip", "mod.func", "a-b", "F2"}) {
    EXPECT_NO_THROW(validate_function_name(ok)) << ok;
  }
  EXPECT_NO_THROW(validate_function_name(std::string(200, 'f')));
  EXPECT_THROW(validate_function_name(std::string(201, 'f')), KeyError);
  for (const char* bad : {"", "1f", ".f", "-f", "..", "a/b", "a b", "f()", "\u00e9"}) {
    EXPECT_THROW(validate_function_name(bad), KeyError) << bad;
  }
  EXPECT_EQ(error_of([] { validate_function_name("f:g"); }),
            "invalid function name 'f:g': character ':' is not allowed (use letters, digits, "
            "'.', '_' and '-')");
}

TEST(ValidateNamespaceTest, LongInvalidValuesAreShortenedInMessages) {
  const std::string msg = error_of([] { validate_namespace(std::string(5000, '/')); });
  EXPECT_LT(msg.size(), 300u) << msg;
  EXPECT_NE(msg.find("..."), std::string::npos);
}

// --- format_time_ns ------------------------------------------------------------------

TEST(FormatTimeTest, WholeSeconds) {
  EXPECT_EQ(format_time_ns(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_time_ns(1356998400LL * 1'000'000'000), "2013-01-01T00:00:00Z");
  EXPECT_EQ(format_time_ns(951782400LL * 1'000'000'000), "2000-02-29T00:00:00Z");
  EXPECT_EQ(format_time_ns(1700000000LL * 1'000'000'000), "2023-11-14T22:13:20Z");
}

TEST(FormatTimeTest, FractionsAreTrimmed) {
  constexpr std::int64_t kBase = 1356998400LL * 1'000'000'000;
  EXPECT_EQ(format_time_ns(kBase + 500'000'000), "2013-01-01T00:00:00.5Z");
  EXPECT_EQ(format_time_ns(kBase + 1'000), "2013-01-01T00:00:00.000001Z");
  EXPECT_EQ(format_time_ns(kBase + 1), "2013-01-01T00:00:00.000000001Z");
  EXPECT_EQ(format_time_ns(kBase + 123'450'000), "2013-01-01T00:00:00.12345Z");
}

TEST(FormatTimeTest, BeforeTheEpoch) {
  EXPECT_EQ(format_time_ns(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(format_time_ns(-500'000'000), "1969-12-31T23:59:59.5Z");
  EXPECT_EQ(format_time_ns(-1'000'000'000), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_time_ns(-86400LL * 1'000'000'000), "1969-12-31T00:00:00Z");
  EXPECT_EQ(format_time_ns(-2208988800LL * 1'000'000'000), "1900-01-01T00:00:00Z");
}

TEST(FormatTimeTest, Int64Extremes) {
  EXPECT_EQ(format_time_ns(std::numeric_limits<std::int64_t>::min()),
            "1677-09-21T00:12:43.145224192Z");
  EXPECT_EQ(format_time_ns(std::numeric_limits<std::int64_t>::max()),
            "2262-04-11T23:47:16.854775807Z");
}

TEST(FormatTimeTest, TimePointsBecomeKeyText) {
  using namespace std::chrono;
  const sys_days day = year{2013} / January / 1;
  EXPECT_EQ(to_value(day + hours{6}), Value("2013-01-01T06:00:00Z"));
  EXPECT_EQ(to_value(time_point_cast<milliseconds>(day) + milliseconds{250}),
            Value("2013-01-01T00:00:00.25Z"));
  EXPECT_EQ(key_segment("start_time", to_value(day)), "start_time=2013-01-01T00%3A00%3A00Z");
}

}  // namespace
}  // namespace nuthatch
