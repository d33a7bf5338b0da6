// The conformance suite every single-file codec runs (STYLE habit 5): each backend gives
// sample values of its stored type; the suite checks registration, round trips,
// determinism and the errors every codec shares. Add a backend by adding a case to
// kSingleFileCases.

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch {
namespace {

// Deep equality where a double equals itself bit for bit: NaN == NaN, -0.0 != 0.0.
bool same_value(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::floating:
      return std::bit_cast<std::uint64_t>(a.as<double>()) ==
             std::bit_cast<std::uint64_t>(b.as<double>());
    case Value::Kind::array: {
      const auto& x = a.array_items();
      const auto& y = b.array_items();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!same_value(x[i], y[i])) return false;
      }
      return true;
    }
    case Value::Kind::object: {
      const auto& x = a.members();
      const auto& y = b.members();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (x[i].first != y[i].first || !same_value(x[i].second, y[i].second)) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

struct Sample {
  std::string name;
  Boxed value;
};

struct CodecCase {
  std::string backend;
  std::string extension;
  const std::type_info* stored_type;
  std::function<std::vector<Sample>()> samples;
  std::function<bool(const Boxed&, const Boxed&)> equal;
  Boxed wrong_type;  // a value of another stored type, which encode must reject
  friend void PrintTo(const CodecCase& c, std::ostream* os) { *os << c.backend; }
};

std::vector<Sample> value_samples() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  Value::Array large;  // about 10 MB of msgpack: 1.2 M float64 of 9 bytes each
  constexpr std::size_t kLargeCount = 1'200'000;
  large.reserve(kLargeCount);
  for (std::size_t i = 0; i < kLargeCount; ++i) large.emplace_back(static_cast<double>(i) * 0.5);
  Value deep = Value::array({1});
  for (int i = 0; i < 100; ++i) deep = Value::array({deep, Value::object({{"d", i}})});

  std::vector<std::pair<std::string, Value>> values = {
      {"null", Value()},
      {"true", Value(true)},
      {"false", Value(false)},
      {"zero", Value(0)},
      {"small_int", Value(42)},
      {"negative_int", Value(-7)},
      {"int64_min", Value(std::numeric_limits<std::int64_t>::min())},
      {"int64_max", Value(std::numeric_limits<std::int64_t>::max())},
      {"uint32_edge", Value(std::int64_t{4294967296})},
      {"double", Value(2.5)},
      {"double_tiny", Value(5e-324)},
      {"double_max", Value(std::numeric_limits<double>::max())},
      {"negative_zero", Value(-0.0)},
      {"nan", Value(std::numeric_limits<double>::quiet_NaN())},
      {"inf", Value(kInf)},
      {"minus_inf", Value(-kInf)},
      {"empty_string", Value("")},
      {"string", Value("hello")},
      {"unicode", Value("h\u00e9llo \u4e16\u754c \U0001F426")},
      {"string_with_nul", Value(std::string("a\0b", 3))},
      {"long_string", Value(std::string(70000, 'x'))},
      {"empty_bytes", Value(Bytes())},
      {"bytes", Value(Bytes(std::string("\x00\xff\x10", 3)))},
      {"empty_array", Value::array()},
      {"array", Value::array({1, 2.5, "a", true, nullptr, Bytes("b")})},
      {"empty_object", Value::object()},
      {"object_order", Value::object({{"z", 1}, {"a", 2}, {"m", Value::array({3})}})},
      {"nested", Value::object({{"list", Value::array({Value::object({{"k", "v"}})})},
                                {"nan", std::numeric_limits<double>::quiet_NaN()}})},
      {"deep", deep},
      {"large_array", Value(std::move(large))},
  };
  std::vector<Sample> out;
  for (auto& [name, v] : values) out.push_back({name, Boxed::make(std::move(v))});
  return out;
}

std::vector<Sample> bytes_samples() {
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  constexpr std::size_t kLarge = 10 * 1024 * 1024;
  return {
      {"empty", Boxed::make(Bytes())},
      {"text", Boxed::make(Bytes(std::string("hello")))},
      {"all_byte_values", Boxed::make(Bytes(all_bytes))},
      {"large", Boxed::make(Bytes(std::string(kLarge, '\x5a')))},
  };
}

bool values_equal(const Boxed& a, const Boxed& b) {
  return same_value(a.as<Value>(), b.as<Value>());
}
bool bytes_equal(const Boxed& a, const Boxed& b) { return a.as<Bytes>() == b.as<Bytes>(); }

CodecCase bytes_case(std::string backend, std::string extension) {
  return {std::move(backend), std::move(extension), &typeid(Bytes), bytes_samples,
          bytes_equal, Boxed::make(Value(1))};
}

const std::vector<CodecCase>& single_file_cases() {
  static const std::vector<CodecCase> cases = {
      {"basic", ".msgpack", &typeid(Value), value_samples, values_equal,
       Boxed::make(Bytes(std::string("x")))},
      bytes_case("blob", ".bin"),
      bytes_case("pickle", ".pkl"),
  };
  return cases;
}

// A storage that fails the test when a single-file codec touches it.
class UntouchableStorage final : public Storage {
 public:
  std::string url() const override { return "untouchable://"; }
  std::optional<std::string> read(std::string_view, ByteRange) override { touched(); }
  std::optional<ObjectInfo> stat(std::string_view) override { touched(); }
  void write(std::string_view, std::string_view) override { touched(); }
  bool write_if(std::string_view, std::string_view, const WriteCondition&) override {
    touched();
  }
  std::vector<ObjectInfo> list(std::string_view) override { touched(); }
  void remove(const std::vector<std::string>&) override { touched(); }

 private:
  [[noreturn]] static void touched() { throw std::logic_error("storage touched"); }
};

class SingleFileCodecTest : public ::testing::TestWithParam<CodecCase> {
 protected:
  const Codec& codec() const { return CodecRegistry::get(GetParam().backend); }
};

TEST_P(SingleFileCodecTest, IsRegisteredUnderItsName) {
  const CodecCase& c = GetParam();
  const Codec* found = CodecRegistry::find(c.backend);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found, &codec());
  EXPECT_EQ(found->name(), c.backend);
  EXPECT_EQ(found->extension(), c.extension);
  EXPECT_EQ(found->stored_type(), *c.stored_type);
  EXPECT_TRUE(found->single_file());
  auto names = CodecRegistry::names();
  EXPECT_NE(std::find(names.begin(), names.end(), c.backend), names.end());
}

TEST_P(SingleFileCodecTest, RoundTripsEverySample) {
  for (const Sample& s : GetParam().samples()) {
    SCOPED_TRACE(s.name);
    std::string bytes = codec().encode(s.value, Value::object());
    Boxed back = codec().decode(bytes, Value::object());
    ASSERT_EQ(back.type(), *GetParam().stored_type);
    EXPECT_TRUE(GetParam().equal(s.value, back));
  }
}

TEST_P(SingleFileCodecTest, EncodingIsDeterministic) {
  for (const Sample& s : GetParam().samples()) {
    SCOPED_TRACE(s.name);
    EXPECT_EQ(codec().encode(s.value, Value()), codec().encode(s.value, Value()));
  }
}

TEST_P(SingleFileCodecTest, RejectsAnotherStoredType) {
  try {
    codec().encode(GetParam().wrong_type, Value());
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find(GetParam().backend), std::string::npos) << e.what();
  }
}

TEST_P(SingleFileCodecTest, RejectsAnEmptyBox) {
  EXPECT_THROW(codec().encode(Boxed(), Value()), CodecError);
}

TEST_P(SingleFileCodecTest, DoesNotWriteTrees) {
  UntouchableStorage storage;
  const std::string backend = "backend " + GetParam().backend;
  try {
    codec().write_tree(GetParam().wrong_type, storage, "p/", Value());
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_EQ(e.what(), backend + " does not write trees");
  }
  try {
    codec().read_tree(storage, "p/", Value());
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_EQ(e.what(), backend + " does not read trees");
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, SingleFileCodecTest, ::testing::ValuesIn(single_file_cases()),
                         [](const auto& info) { return info.param.backend; });

TEST(CodecRegistryTest, UnknownBackendNamesTheAvailableOnes) {
  try {
    CodecRegistry::get("nope");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("unknown backend 'nope' (available: ", 0), 0u) << msg;
    for (const char* name : {"basic", "blob", "parquet", "pickle"}) {
      EXPECT_NE(msg.find(name), std::string::npos) << msg;
    }
  }
  EXPECT_EQ(CodecRegistry::find("nope"), nullptr);
}

TEST(CodecRegistryTest, NamesAreSorted) {
  auto names = CodecRegistry::names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(CodecRegistryTest, RegisteringANameTwiceFails) {
  struct Dummy final : Codec {
    std::string_view name() const override { return "basic"; }
    std::string_view extension() const override { return ".x"; }
    const std::type_info& stored_type() const override { return typeid(Value); }
  };
  EXPECT_THROW(CodecRegistry::add(std::make_shared<Dummy>()), ConfigError);
  EXPECT_EQ(CodecRegistry::get("basic").extension(), ".msgpack");
}

TEST(CodecDefaultsTest, TreeCodecDefaultsRejectSingleFileCalls) {
  struct TreeOnly final : Codec {
    std::string_view name() const override { return "tree_only"; }
    std::string_view extension() const override { return ".tree"; }
    const std::type_info& stored_type() const override { return typeid(Dataset); }
    bool single_file() const override { return false; }
  };
  TreeOnly codec;
  try {
    codec.encode(Boxed::make(Dataset{}), Value());
    FAIL();
  } catch (const CodecError& e) {
    EXPECT_STREQ(e.what(), "backend tree_only is not a single-file codec");
  }
  EXPECT_THROW(codec.decode("x", Value()), CodecError);
}

}  // namespace
}  // namespace nuthatch
