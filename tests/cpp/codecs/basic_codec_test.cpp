// The `basic` backend against Python's msgpack: golden bytes written by msgpack-python 1.x
// (msgpack.packb(value, use_bin_type=True)), the forms Python writes that nuthatch never
// does (float32, uint64), corrupt and truncated input, and the codec<T> traits of the
// built-in result types.

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch {
namespace {

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

const Codec& basic() { return CodecRegistry::get("basic"); }
std::string encode(const Value& v) { return basic().encode(Boxed::make(v), Value()); }
Value decode(std::string_view bytes) { return basic().decode(bytes, Value()).as<Value>(); }

// Decoding `bytes` throws a CodecError whose message contains `part`.
void expect_decode_error(std::string_view bytes, std::string_view part) {
  try {
    Value v = decode(bytes);
    ADD_FAILURE() << "decoded " << hex(bytes) << " without error";
  } catch (const CodecError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("basic: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(part), std::string::npos) << "message: " << msg << "\nexpected: " << part;
  }
}

struct Golden {
  const char* name;
  Value value;
  const char* hex;
};

// Generated with Python: msgpack.packb(value, use_bin_type=True).hex()
const std::vector<Golden>& goldens() {
  static const std::vector<Golden> cases = {
      {"nil", Value(),
       "c0"},
      {"true", Value(true),
       "c3"},
      {"false", Value(false),
       "c2"},
      {"fixint_0", Value(0),
       "00"},
      {"fixint_127", Value(127),
       "7f"},
      {"uint8_128", Value(128),
       "cc80"},
      {"uint8_255", Value(255),
       "ccff"},
      {"uint16_256", Value(256),
       "cd0100"},
      {"uint16_65535", Value(65535),
       "cdffff"},
      {"uint32_65536", Value(65536),
       "ce00010000"},
      {"uint32_max", Value(4294967295),
       "ceffffffff"},
      {"uint64_2p32", Value(4294967296),
       "cf0000000100000000"},
      {"int64_max", Value(std::numeric_limits<std::int64_t>::max()),
       "cf7fffffffffffffff"},
      {"negfixint_m1", Value(-1),
       "ff"},
      {"negfixint_m32", Value(-32),
       "e0"},
      {"int8_m33", Value(-33),
       "d0df"},
      {"int8_m128", Value(-128),
       "d080"},
      {"int16_m129", Value(-129),
       "d1ff7f"},
      {"int16_m32768", Value(-32768),
       "d18000"},
      {"int32_m32769", Value(-32769),
       "d2ffff7fff"},
      {"int32_min", Value(-2147483648),
       "d280000000"},
      {"int64_m2p31m1", Value(-2147483649LL),
       "d3ffffffff7fffffff"},
      {"int64_min", Value(std::numeric_limits<std::int64_t>::min()),
       "d38000000000000000"},
      {"float_1_5", Value(1.5),
       "cb3ff8000000000000"},
      {"float_0_1", Value(0.1),
       "cb3fb999999999999a"},
      {"float_neg_zero", Value(-0.0),
       "cb8000000000000000"},
      {"float_inf", Value(std::numeric_limits<double>::infinity()),
       "cb7ff0000000000000"},
      {"float_whole", Value(2.0),
       "cb4000000000000000"},
      {"str_empty", Value(""),
       "a0"},
      {"str_fix", Value("hello"),
       "a568656c6c6f"},
      {"str_unicode", Value("h\u00e9llo \u4e16\u754c \U0001F426"),
       "b268c3a96c6c6f20e4b896e7958c20f09f90a6"},
      {"str8_32", Value(std::string(32, 'a')),
       "d92061616161616161616161616161616161616161616161616161616161"
       "61616161"},
      {"str8_255", Value(std::string(255, 'b')),
       "d9ff62626262626262626262626262626262626262626262626262626262"
       "626262626262626262626262626262626262626262626262626262626262"
       "626262626262626262626262626262626262626262626262626262626262"
       "626262626262626262626262626262626262626262626262626262626262"
       "626262626262626262626262626262626262626262626262626262626262"
       "626262626262626262626262626262626262626262626262626262626262"
       "626262626262626262626262626262626262626262626262626262626262"
       "626262626262626262626262626262626262626262626262626262626262"
       "6262626262626262626262626262626262"},
      {"str16_256", Value(std::string(256, 'c')),
       "da0100636363636363636363636363636363636363636363636363636363"
       "636363636363636363636363636363636363636363636363636363636363"
       "636363636363636363636363636363636363636363636363636363636363"
       "636363636363636363636363636363636363636363636363636363636363"
       "636363636363636363636363636363636363636363636363636363636363"
       "636363636363636363636363636363636363636363636363636363636363"
       "636363636363636363636363636363636363636363636363636363636363"
       "636363636363636363636363636363636363636363636363636363636363"
       "63636363636363636363636363636363636363"},
      {"bin_empty", Value(Bytes()),
       "c400"},
      {"bin8", Value(Bytes(std::string("\x00\x01\xff", 3))),
       "c4030001ff"},
      {"bin16_300", Value(Bytes(std::string(300, 'z'))),
       "c5012c7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
       "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
       "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
       "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
       "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
       "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
       "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
       "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
       "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
       "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
       "7a7a7a"},
      {"array_empty", Value::array(),
       "90"},
      {"array_mixed", Value::array({1, 2.5, "a", true, nullptr}),
       "9501cb4004000000000000a161c3c0"},
      {"array16", Value(Value::Array(16, Value(7))),
       "dc001007070707070707070707070707070707"},
      {"map_empty", Value::object(),
       "80"},
      {"map_order",
       Value::object({{"zeta", 1}, {"alpha", Value::array({true, nullptr})}, {"mid", "x"}}),
       "83a47a65746101a5616c70686192c3c0a36d6964a178"},
      {"nested",
       Value::object(
           {{"k", Value::object({{"inner", Value::array({Value::array(), Value::object()})}})},
            {"b", Value(Bytes(std::string("ab")))}}),
       "82a16b81a5696e6e6572929080a162c4026162"},
  };
  return cases;
}

TEST(BasicCodecTest, EncodesExactlyLikePythonMsgpack) {
  for (const Golden& g : goldens()) {
    SCOPED_TRACE(g.name);
    EXPECT_EQ(hex(encode(g.value)), g.hex);
  }
}

TEST(BasicCodecTest, DecodesPythonMsgpack) {
  for (const Golden& g : goldens()) {
    SCOPED_TRACE(g.name);
    EXPECT_EQ(decode(unhex(g.hex)), g.value);
  }
}

TEST(BasicCodecTest, NanIsWrittenAsFloat64) {
  // Python: msgpack.packb(float("nan")) == b"\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00"
  EXPECT_EQ(hex(encode(Value(std::numeric_limits<double>::quiet_NaN()))), "cb7ff8000000000000");
  EXPECT_TRUE(std::isnan(decode(unhex("cb7ff8000000000000")).as<double>()));
}

TEST(BasicCodecTest, AcceptsFloat32) {
  // Python: msgpack.packb(1.5, use_single_float=True)
  Value v = decode(unhex("ca3fc00000"));
  ASSERT_TRUE(v.is_double());
  EXPECT_EQ(v.as<double>(), 1.5);
}

TEST(BasicCodecTest, AcceptsUint64WithinInt64Range) {
  EXPECT_EQ(decode(unhex("cf7fffffffffffffff")), Value(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(decode(unhex("cf0000000000000001")), Value(1));
}

TEST(BasicCodecTest, AcceptsPositiveValuesInSignedForms) {
  // Other msgpack writers may put small non-negative numbers in int8..int64 forms.
  EXPECT_EQ(decode(unhex("d005")), Value(5));
  EXPECT_EQ(decode(unhex("d30000000000000100")), Value(256));
}

TEST(BasicCodecTest, RejectsUint64BeyondInt64) {
  // Python: msgpack.packb(2**64 - 1)
  expect_decode_error(unhex("cfffffffffffffffff"),
                      "unsigned integer 18446744073709551615 is out of int64 range");
  expect_decode_error(unhex("cf8000000000000000"), "out of int64 range");
}

TEST(BasicCodecTest, RejectsNonStringMapKeys) {
  // Python: msgpack.packb({1: 2})
  expect_decode_error(unhex("810102"), "map key of kind");
  expect_decode_error(unhex("81c0c0"), "is not a string");
  expect_decode_error(unhex("8191c0c0"), "is not a string");  // {[nil]: nil}
}

TEST(BasicCodecTest, RejectsExtensionTypes) {
  // Python: msgpack.packb(msgpack.Timestamp(0), ...) is ext type -1.
  expect_decode_error(unhex("d6ff00000000"), "extension type -1 is not supported");
  expect_decode_error(unhex("d40105"), "extension type 1 is not supported");
}

TEST(BasicCodecTest, RejectsTruncatedData) {
  expect_decode_error("", "empty payload");
  for (const char* truncated : {"cd01", "cb3ff8", "a568656c", "d9", "d920616263", "c40301",
                                "92c0", "82a16101", "dc0003", "c5", "cf00000000"}) {
    SCOPED_TRACE(truncated);
    expect_decode_error(unhex(truncated), "truncated msgpack data");
  }
}

TEST(BasicCodecTest, EveryPrefixOfAValueIsTruncated) {
  const std::string full = encode(
      Value::object({{"k", Value::array({1, 2.5, "text", Bytes(std::string("ab"))})}}));
  for (std::size_t n = 1; n < full.size(); ++n) {
    SCOPED_TRACE(n);
    expect_decode_error(full.substr(0, n), "truncated msgpack data");
  }
}

TEST(BasicCodecTest, RejectsTrailingBytes) {
  expect_decode_error(unhex("c0c0"), "trailing bytes after value (the value ends at byte 1 of 2)");
  expect_decode_error(unhex("9101ff00"), "trailing bytes after value");
}

TEST(BasicCodecTest, RejectsTheReservedTypeByte) {
  expect_decode_error(unhex("c1"), "invalid type byte 0xc1 at byte 0");
  expect_decode_error(unhex("93c0c0c1"), "invalid type byte 0xc1 at byte 3");
}

TEST(BasicCodecTest, LyingLengthsDoNotAllocate) {
  // An array32 header announcing 4 G elements, followed by nothing.
  expect_decode_error(unhex("ddffffffff"), "truncated msgpack data");
  expect_decode_error(unhex("dfffffffff"), "truncated msgpack data");
  expect_decode_error(unhex("dbffffffff41"), "truncated msgpack data");
}

Value nested_arrays(int depth) {
  Value v;
  for (int i = 0; i < depth; ++i) {
    Value::Array wrapper;
    wrapper.push_back(std::move(v));
    v = Value(std::move(wrapper));
  }
  return v;
}

TEST(BasicCodecTest, LimitsNestingDepthLikePython) {
  // Python's msgpack unpacks 1024 nested arrays and raises StackError at 1025.
  std::string ok(1024, '\x91');
  ok.push_back('\xc0');
  EXPECT_EQ(decode(ok), nested_arrays(1024));
  EXPECT_EQ(encode(nested_arrays(1024)), ok);
  std::string too_deep(1025, '\x91');
  too_deep.push_back('\xc0');
  expect_decode_error(too_deep, "value nested deeper than 1024 levels");
  expect_decode_error(std::string(100'000, '\x91'), "nested deeper than");
  EXPECT_THROW(encode(nested_arrays(1025)), CodecError);
}

TEST(BasicCodecTest, MapsKeepTheirOrder) {
  Value v = decode(unhex("83a17a01a16102a16d03"));  // {"z": 1, "a": 2, "m": 3}
  ASSERT_EQ(v.members().size(), 3u);
  EXPECT_EQ(v.members()[0].first, "z");
  EXPECT_EQ(v.members()[1].first, "a");
  EXPECT_EQ(v.members()[2].first, "m");
}

TEST(BasicCodecTest, DuplicateMapKeysAreKeptAsWritten) {
  // msgpack allows them; Python keeps the last. The Value keeps both, in order.
  Value v = decode(unhex("82a16101a16102"));
  ASSERT_EQ(v.members().size(), 2u);
  EXPECT_EQ(v.members()[1].second, Value(2));
}

// --- codec<T> traits: result types stored through `basic` ------------------------------

template <class T>
T through_basic(const T& v) {
  static_assert(std::is_same_v<typename codec<T>::stored_type, Value>);
  static_assert(codec<T>::backend == "basic");
  const std::string bytes = encode(codec<T>::encode(v));
  return codec<T>::decode(decode(bytes));
}

TEST(BasicCodecTraitsTest, RoundTripsBuiltInTypes) {
  EXPECT_EQ(through_basic(42), 42);
  EXPECT_EQ(through_basic(-7), -7);
  EXPECT_EQ(through_basic(std::numeric_limits<std::int64_t>::min()),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(through_basic(std::uint32_t{4000000000u}), 4000000000u);
  EXPECT_EQ(through_basic(true), true);
  EXPECT_EQ(through_basic(2.5), 2.5);
  EXPECT_EQ(through_basic(0.1f), 0.1f);
  EXPECT_TRUE(std::isnan(through_basic(std::nan(""))));
  EXPECT_EQ(through_basic(std::string("h\u00e9llo")), "h\u00e9llo");
  EXPECT_EQ(through_basic(std::string()), "");
  EXPECT_EQ(through_basic(std::vector<int>{1, 2, 3}), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(through_basic(std::vector<int>{}), std::vector<int>{});
  std::map<std::string, double> m = {{"a", 1.5}, {"b", -2.0}};
  EXPECT_EQ(through_basic(m), m);
  std::vector<std::vector<int>> nested = {{1}, {}, {2, 3}};
  EXPECT_EQ(through_basic(nested), nested);
  std::map<std::string, std::vector<std::string>> words = {{"x", {"a", "b"}}, {"y", {}}};
  EXPECT_EQ(through_basic(words), words);
  Value v = Value::object({{"k", Value::array({1, "two"})}});
  EXPECT_EQ(through_basic(v), v);
}

TEST(BasicCodecTraitsTest, DoublesWrittenAsWholeNumbersStayDoubles) {
  // Python writes 2.0 as float64 (cb...), so a double decodes from a float.
  EXPECT_EQ(through_basic(2.0), 2.0);
  EXPECT_TRUE(decode(encode(Value(2.0))).is_double());
}

TEST(BasicCodecTraitsTest, WrongShapeIsAKeyError) {
  // A payload holding a string cannot become an int: Value::as names both kinds.
  EXPECT_THROW(codec<int>::decode(decode(encode(Value("x")))), KeyError);
}

}  // namespace
}  // namespace nuthatch
