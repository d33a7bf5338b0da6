// The checked number parser (common/strings.hpp): numbers from the network, storage and
// the environment are digits only, within 64 bits, or an error that says why.

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "common/strings.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch {
namespace {

TEST(ParseUint, Decimal) {
  EXPECT_EQ(parse_uint("0"), 0u);
  EXPECT_EQ(parse_uint("42"), 42u);
  EXPECT_EQ(parse_uint("007"), 7u);
  EXPECT_EQ(parse_uint("18446744073709551615"), std::numeric_limits<std::uint64_t>::max());
}

TEST(ParseUint, RejectsGarbage) {
  for (const char* text : {"", " 1", "1 ", "-1", "+1", "12abc", "abc", "0x10", "1.5", "1e3"}) {
    EXPECT_FALSE(parse_uint(text).has_value()) << "'" << text << "'";
  }
  EXPECT_FALSE(parse_uint(std::string_view("1\0" "2", 3)).has_value());
}

TEST(ParseUint, RejectsOverflow) {
  EXPECT_FALSE(parse_uint("18446744073709551616").has_value());
  EXPECT_FALSE(parse_uint("99999999999999999999999").has_value());
}

TEST(RequireUint, ThrowsTheErrorAskedForWithAClearMessage) {
  EXPECT_EQ(require_uint<StorageError>("123", "the size of x"), 123u);
  try {
    require_uint<StorageError>("12abc", "the size of 'a/b' in s3://bucket");
    FAIL() << "no exception";
  } catch (const StorageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "the size of 'a/b' in s3://bucket: '12abc' is not an unsigned decimal number");
  }
  try {
    require_uint<ConfigError>("18446744073709551616", "NUTHATCH_X");
    FAIL() << "no exception";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'18446744073709551616' is out of range"),
              std::string::npos)
        << e.what();
  }
}

TEST(RequireUint, LongGarbageIsCutShort) {
  const std::string garbage(1000, 'x');
  try {
    require_uint<StorageError>(garbage, "a header");
    FAIL() << "no exception";
  } catch (const StorageError& e) {
    EXPECT_LT(std::string(e.what()).size(), 200u);
  }
}

}  // namespace
}  // namespace nuthatch
