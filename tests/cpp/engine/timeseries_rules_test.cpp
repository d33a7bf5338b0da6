// The timeseries rules (nuthatch/timeseries.hpp) against the table the Python test reads
// too (tests/python/timeseries_rules_cases.json): the same cases give the same answers
// through the C++ rules, the C++ processor, and the Python processor.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "nuthatch/nuthatch.hpp"
#include "nuthatch/timeseries.hpp"

namespace nh = nuthatch;
namespace rules = nuthatch::timeseries_rules;

namespace {

nlohmann::json cases() {
  const auto path = std::filesystem::path(NUTHATCH_SOURCE_DIR) / "tests" / "python" /
                    "timeseries_rules_cases.json";
  std::ifstream in(path);
  if (!in) ADD_FAILURE() << "cannot read " << path;
  return nlohmann::json::parse(in);
}

nh::Value bound(const nlohmann::json& j) {
  return j.is_null() ? nh::Value() : nh::Value(j.get<std::string>());
}

/// A series of two times, first and last, on the coordinate "time".
nh::Dataset series(std::int64_t first, std::int64_t last) {
  nh::Dataset ds;
  ds.variables["time"] = {{"time"}, nh::NDArray::datetimes({first, last}, {2})};
  ds.variables["v"] = {{"time"}, nh::NDArray::from_vector(std::vector<double>{1, 2}, {2})};
  ds.coords = {"time"};
  return ds;
}

TEST(TimeseriesRulesTest, PeriodsOfTheTable) {
  const nlohmann::json table = cases();  // alive for the loop
  for (const auto& c : table["periods"]) {
    const std::string text = c["text"];
    auto period = rules::parse_period(text);
    ASSERT_TRUE(period.has_value()) << text;
    EXPECT_EQ(period->first_ns, c["first"].get<std::int64_t>()) << text;
    EXPECT_EQ(period->last_ns, c["last"].get<std::int64_t>()) << text;
    auto b = rules::bounds(nh::Value(text), nh::Value(text));
    EXPECT_EQ(b.start, period->first_ns) << text;
    EXPECT_EQ(b.end, period->last_ns) << text;
  }
}

TEST(TimeseriesRulesTest, InvalidTextOfTheTableIsAnErrorNamingTheArgument) {
  const nlohmann::json table = cases();  // alive for the loop
  for (const auto& c : table["invalid"]) {
    const std::string text = c;
    EXPECT_FALSE(rules::parse_period(text).has_value()) << text;
    try {
      rules::bounds(nh::Value(), nh::Value(text));
      ADD_FAILURE() << text;
    } catch (const nh::Error& e) {
      EXPECT_NE(std::string(e.what()).find("end_time"), std::string::npos) << e.what();
    }
  }
}

TEST(TimeseriesRulesTest, CoverageOfTheTableThroughTheRuleAndTheProcessor) {
  auto processor = nh::timeseries("time");
  const nlohmann::json table = cases();  // alive for the loop
  for (const auto& c : table["coverage"]) {
    const std::string why = c["why"];
    const std::int64_t first = c["first"], last = c["last"];
    const bool expected = c["covers"];
    EXPECT_EQ(rules::covers(first, last, rules::bounds(bound(c["start"]), bound(c["end"]))),
              expected)
        << why;
    nh::Arguments args{{"start_time", "end_time"}, {bound(c["start"]), bound(c["end"])}};
    EXPECT_EQ(processor->validate(nh::Boxed::make(series(first, last)), args), expected) << why;
  }
}

TEST(TimeseriesRulesTest, AnEndDateSlicesThroughTheEndOfItsDay) {
  constexpr std::int64_t kHourNs = 3'600'000'000'000;
  const std::int64_t day = rules::parse_period("2013-01-10")->first_ns;
  std::vector<std::int64_t> hours;
  for (int h = 0; h < 48; ++h) hours.push_back(day - 24 * kHourNs + h * kHourNs);
  nh::Dataset ds;
  ds.variables["time"] = {{"time"}, nh::NDArray::datetimes(hours, {48})};
  ds.coords = {"time"};
  nh::Arguments args{{"start_time", "end_time"},
                     {nh::Value("2013-01-10"), nh::Value("2013-01-10")}};
  auto out = nh::timeseries("time")->post_process(nh::Boxed::make(ds), args);
  EXPECT_EQ(out.as<nh::Dataset>().variables.at("time").data.size(), 24);
  auto range = nh::timeseries("time")->read_range(args);
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->start, day);
  EXPECT_EQ(range->stop, day + 24 * kHourNs - 1);
}

}  // namespace
