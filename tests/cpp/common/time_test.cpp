// Time helpers (common/time.hpp): RFC 3339 rendering in UTC over the whole int64 range,
// ISO 8601 parsing (dates, datetimes, fractions, 'Z' and numeric offsets; malformed text,
// impossible days and offsets, and instants outside int64 nanoseconds are std::nullopt)
// and durations ("30s", "15m", ... or a number of seconds; non-finite or beyond int64
// nanoseconds is std::nullopt).

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "common/time.hpp"

namespace nuthatch {
namespace {

constexpr std::int64_t kSec = 1'000'000'000;
constexpr std::int64_t kMin = 60 * kSec;
constexpr std::int64_t kHour = 60 * kMin;
constexpr std::int64_t kDay = 24 * kHour;
/// 2013-01-01T00:00:00Z, seconds since the epoch.
constexpr std::int64_t k2013 = 1'356'998'400;

TEST(Rfc3339Test, RendersUtcToTheSecond) {
  EXPECT_EQ(rfc3339_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339_utc(1'700'000'000 * kSec), "2023-11-14T22:13:20Z");
  EXPECT_EQ(rfc3339_utc(k2013 * kSec), "2013-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339_utc(951'782'400 * kSec), "2000-02-29T00:00:00Z");  // a leap day
}

TEST(Rfc3339Test, TheWholeInt64NanosecondRange) {
  // int64 nanoseconds (numpy's datetime64[ns]) span 1677-09-21 to 2262-04-11.
  EXPECT_EQ(rfc3339_utc(std::numeric_limits<std::int64_t>::max()), "2262-04-11T23:47:16Z");
  EXPECT_EQ(rfc3339_utc(-9'223'372'035 * kSec), "1677-09-21T00:12:45Z");
  // The first second of the range: rounding toward the past must not overflow.
  EXPECT_EQ(rfc3339_utc(std::numeric_limits<std::int64_t>::min()), "1677-09-21T00:12:43Z");
  EXPECT_EQ(rfc3339_utc(std::numeric_limits<std::int64_t>::min() + 1), "1677-09-21T00:12:43Z");
  EXPECT_EQ(rfc3339_utc(-9'223'372'036 * kSec), "1677-09-21T00:12:44Z");
  EXPECT_EQ(rfc3339_utc(-9'223'372'036 * kSec - 1), "1677-09-21T00:12:43Z");
}

TEST(Rfc3339Test, FractionsAreTruncatedTowardThePast) {
  EXPECT_EQ(rfc3339_utc(kSec - 1), "1970-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339_utc(2 * kSec - 1), "1970-01-01T00:00:01Z");
  EXPECT_EQ(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(rfc3339_utc(-kSec), "1969-12-31T23:59:59Z");
  EXPECT_EQ(rfc3339_utc(-kSec - 1), "1969-12-31T23:59:58Z");
}

TEST(Rfc3339Test, DatesBeforeTheEpoch) {
  EXPECT_EQ(rfc3339_utc(-kDay), "1969-12-31T00:00:00Z");
  EXPECT_EQ(rfc3339_utc(-2'208'988'800 * kSec), "1900-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339_utc(-kDay - 1), "1969-12-30T23:59:59Z");
}

TEST(NowTest, IsTheCurrentTimeInNanoseconds) {
  const std::int64_t a = now_ns();
  const std::int64_t b = now_ns();
  EXPECT_LE(a, b);
  EXPECT_GT(a, 1'767'225'600 * kSec);  // after 2026-01-01
  EXPECT_EQ(rfc3339_utc(a).size(), 20u);
}

TEST(Iso8601Test, DateOnlyIsMidnightUtc) {
  EXPECT_EQ(parse_iso8601_ns("2013-01-01"), k2013 * kSec);
  EXPECT_EQ(parse_iso8601_ns("1970-01-01"), 0);
  EXPECT_EQ(parse_iso8601_ns("1969-12-31"), -kDay);
  EXPECT_EQ(parse_iso8601_ns("2000-02-29"), 951'782'400 * kSec);
  EXPECT_EQ(parse_iso8601_ns("1677-09-22"), -9'223'286'400 * kSec);
  EXPECT_EQ(parse_iso8601_ns("2262-04-11"), 9'223'286'400 * kSec);
}

TEST(Iso8601Test, DatetimesInEveryAcceptedShape) {
  const std::int64_t six = k2013 * kSec + 6 * kHour;
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T06:00"), six);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T06:00:00"), six);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01 06:00:00"), six);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T06:00:00Z"), six);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T06:00Z"), six);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T06:07:08"), six + 7 * kMin + 8 * kSec);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T23:59:59"), k2013 * kSec + kDay - kSec);
}

TEST(Iso8601Test, FractionalSecondsToTheNanosecond) {
  const std::int64_t base = k2013 * kSec;
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T00:00:00.5"), base + kSec / 2);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T00:00:00.123"), base + 123'000'000);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T00:00:00.000000001Z"), base + 1);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T00:00:00.123456789"), base + 123'456'789);
  // Digits beyond the nanosecond are read and dropped.
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T00:00:00.1234567899"), base + 123'456'789);
  EXPECT_EQ(parse_iso8601_ns("1969-12-31T23:59:59.5Z"), -kSec / 2);
}

TEST(Iso8601Test, OffsetsConvertToUtc) {
  const std::int64_t noon = k2013 * kSec + 12 * kHour;
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T13:00:00+01:00"), noon);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T07:00:00-05:00"), noon);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T17:30:00+05:30"), noon);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T17:30:00+0530"), noon);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T13:00:00+01"), noon);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T12:00:00+00:00"), noon);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T12:00:00-00:00"), noon);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T13:00+01:00"), noon);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T13:00:00.25+01:00"), noon + kSec / 4);
  // An offset can move the instant across a day boundary.
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T01:00:00+02:00"), k2013 * kSec - kHour);
}

TEST(Iso8601Test, RoundTripsWithRfc3339) {
  for (const char* text : {"1970-01-01T00:00:00Z", "2013-01-01T06:00:00Z", "2026-11-25T12:00:00Z",
                           "2000-02-29T23:59:59Z", "1900-03-01T00:00:01Z", "2262-04-11T23:47:16Z",
                           "1677-09-21T00:12:45Z"}) {
    const std::optional<std::int64_t> ns = parse_iso8601_ns(text);
    ASSERT_TRUE(ns) << text;
    EXPECT_EQ(rfc3339_utc(*ns), text);
  }
}

TEST(Iso8601Test, MalformedTextIsNullopt) {
  const std::vector<std::string> bad = {
      "",
      "2013",
      "2013-01",
      "13-01-01",
      "2013-1-01",
      "2013-01-1",
      "2013/01/01",
      "20130101",
      "abcd-ef-gh",
      " 2013-01-01",
      "2013-01-01 ",
      "2013-01-01x",
      "2013-01-01Z",
      "2013-00-10",
      "2013-13-01",
      "2013-01-00",
      "2013-01-32",
      "2013-01-01T",
      "2013-01-01T06",
      "2013-01-01T6:00",
      "2013-01-01T06:0",
      "2013-01-01T06:00:0",
      "2013-01-01T24:00",
      "2013-01-01T06:60",
      "2013-01-01T06:00:61",
      "2013-01-01T06:00:00.",
      "2013-01-01T06:00:00.Z",
      "2013-01-01T06:00:00+",
      "2013-01-01T06:00:00+1",
      "2013-01-01T06:00:00+01:0",
      "2013-01-01T06:00:00+01:",
      "2013-01-01T06:00:00+01:00:00",
      "2013-01-01T06:00:00Zjunk",
      "2013-01-01T06:00:00 Z",
      "2013-01-01T06:00:00UTC",
      "2013-01-01t06:00:00",
      "2013-01-01T06:00:00.5.5",
      std::string("2013-01-01\0", 11),
  };
  for (const std::string& text : bad) {
    EXPECT_EQ(parse_iso8601_ns(text), std::nullopt) << "'" << text << "'";
  }
}

TEST(Iso8601Test, DaysThatDoNotExistInTheirMonthAreRefused) {
  const std::vector<std::string> impossible = {"2013-02-29", "2013-02-30", "2012-02-30",
                                               "2013-04-31", "1900-02-29", "2013-11-31"};
  for (const std::string& text : impossible) {
    EXPECT_EQ(parse_iso8601_ns(text), std::nullopt) << text;
    EXPECT_EQ(parse_iso8601_ns(text + "T12:00:00Z"), std::nullopt) << text;
  }
  EXPECT_TRUE(parse_iso8601_ns("2012-02-29"));
  EXPECT_TRUE(parse_iso8601_ns("2000-02-29"));
  EXPECT_TRUE(parse_iso8601_ns("2013-04-30"));
  EXPECT_TRUE(parse_iso8601_ns("2013-12-31"));
}

TEST(Iso8601Test, OffsetsOutOfRangeAreRefused) {
  const std::vector<std::string> impossible = {"2013-01-01T00:00:00+24:00",
                                               "2013-01-01T00:00:00+99:00",
                                               "2013-01-01T00:00:00+01:60",
                                               "2013-01-01T00:00:00-00:99"};
  for (const std::string& text : impossible) {
    EXPECT_EQ(parse_iso8601_ns(text), std::nullopt) << text;
  }
  const std::int64_t midnight = k2013 * kSec;
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T00:00:00+14:00"), midnight - 14 * kHour);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T00:00:00+23:59"), midnight - 23 * kHour - 59 * kMin);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T00:00:00-23:59"), midnight + 23 * kHour + 59 * kMin);
  EXPECT_EQ(parse_iso8601_ns("2013-01-01T00:00:00-2359"), midnight + 23 * kHour + 59 * kMin);
}

TEST(Iso8601Test, InstantsOutsideTheNanosecondRangeAreRefused) {
  const std::vector<std::string> outside = {"9999-12-31T23:59:59Z", "2262-04-12", "1677-09-20",
                                            "0001-01-01", "2262-04-11T23:47:17Z"};
  for (const std::string& text : outside) {
    EXPECT_EQ(parse_iso8601_ns(text), std::nullopt) << text;
  }
}

TEST(Iso8601Test, TheEdgesOfTheNanosecondRangeToTheNanosecond) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(parse_iso8601_ns("2262-04-11T23:47:16.854775807Z"), kMax);
  EXPECT_EQ(parse_iso8601_ns("2262-04-11T23:47:16.854775808Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ns("1677-09-21T00:12:43.145224192Z"), kMin);
  EXPECT_EQ(parse_iso8601_ns("1677-09-21T00:12:43.145224191Z"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ns("1677-09-21T00:12:43Z"), std::nullopt);
  // An offset moves an instant into the range, or out of it.
  EXPECT_EQ(parse_iso8601_ns("2262-04-12T00:47:16.854775807+01:00"), kMax);
  EXPECT_EQ(parse_iso8601_ns("2262-04-11T23:47:16-00:01"), std::nullopt);
  EXPECT_EQ(parse_iso8601_ns("1677-09-20T23:12:44-01:00"), kMin + 854'775'808);
}

TEST(DurationTest, UnitsAndPlainSeconds) {
  EXPECT_EQ(parse_duration_ns("30s"), 30 * kSec);
  EXPECT_EQ(parse_duration_ns("30"), 30 * kSec);
  EXPECT_EQ(parse_duration_ns("0"), 0);
  EXPECT_EQ(parse_duration_ns("250ms"), 250'000'000);
  EXPECT_EQ(parse_duration_ns("15m"), 15 * kMin);
  EXPECT_EQ(parse_duration_ns("15min"), 15 * kMin);
  EXPECT_EQ(parse_duration_ns("24h"), 24 * kHour);
  EXPECT_EQ(parse_duration_ns("7d"), 7 * kDay);
  EXPECT_EQ(parse_duration_ns("1w"), 7 * kDay);
  EXPECT_EQ(parse_duration_ns("1.5h"), 90 * kMin);
  EXPECT_EQ(parse_duration_ns("0.5s"), kSec / 2);
}

TEST(DurationTest, MalformedTextIsNullopt) {
  for (const char* text : {"", "s", "h", "-1s", "-1", "1x", "1 s", " 1s", "1s ", "1S", "1H",
                           "1hour", "abc", "1s2", "1ss", "+1s", ".s"}) {
    EXPECT_EQ(parse_duration_ns(text), std::nullopt) << "'" << text << "'";
  }
}

TEST(DurationTest, NonFiniteAndHugeValuesAreRefused) {
  for (const char* text : {"inf", "infs", "infinity", "nan", "nanh", "-nan", "1e300s", "1e12w",
                           "1e400", "9223372036.854775808", "-0", "-0s"}) {
    EXPECT_EQ(parse_duration_ns(text), std::nullopt) << "'" << text << "'";
  }
  EXPECT_EQ(parse_duration_ns("1e3s"), 1000 * kSec);
  EXPECT_EQ(parse_duration_ns("9223372036"), 9'223'372'036 * kSec);  // the last whole second
  EXPECT_EQ(parse_duration_ns("15250w"), 15'250 * 7 * kDay);         // about 292 years
  EXPECT_EQ(parse_duration_ns("15251w"), std::nullopt);
}

TEST(DurationTest, RoundsToTheNearestNanosecond) {
  EXPECT_EQ(parse_duration_ns("0.3s"), 300'000'000);
  EXPECT_EQ(parse_duration_ns("0.000000001"), 1);
  EXPECT_EQ(parse_duration_ns("1.1ms"), 1'100'000);
}

}  // namespace
}  // namespace nuthatch
