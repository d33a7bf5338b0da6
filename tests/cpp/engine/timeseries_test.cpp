#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "nuthatch/nuthatch.hpp"
#include "nuthatch/storage.hpp"
#include "support/forwarding_storage.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;

namespace {

constexpr std::int64_t kDayNs = 86'400'000'000'000;
constexpr std::int64_t k2013 = 1356998400LL * 1'000'000'000;  // 2013-01-01T00:00:00Z

/// Daily data for `days` days from 2013-01-01: time coordinate, a 2-D variable
/// (time x station) and a variable without the time dimension.
nh::Dataset daily(int days) {
  std::vector<std::int64_t> t;
  std::vector<float> temp;
  for (int d = 0; d < days; ++d) {
    t.push_back(k2013 + d * kDayNs);
    temp.push_back(static_cast<float>(d));
    temp.push_back(static_cast<float>(1000 + d));
  }
  nh::Dataset ds;
  ds.variables["time"] = {{"time"}, nh::NDArray::datetimes(t, {days})};
  ds.variables["air"] = {{"time", "station"}, nh::NDArray::from_vector(temp, {days, 2})};
  ds.variables["station"] = {{"station"}, nh::NDArray::strings({"KSEA", "KPDX"}, {2})};
  ds.coords = {"time", "station"};
  return ds;
}

nh::Arguments args(nh::Value start, nh::Value end) {
  return {{"start_time", "end_time", "agg_days"}, {std::move(start), std::move(end), 1}};
}

TEST(TimeseriesTest, SlicesEveryVariableAlongTheTimeDimension) {
  auto ts = nh::timeseries("time");
  auto a = args("2013-01-03", "2013-01-05");
  nh::Boxed out = ts->post_process(nh::Boxed::make(daily(10)), a);
  const auto& ds = out.as<nh::Dataset>();
  EXPECT_EQ(ds.variables.at("time").data.shape(), (std::vector<std::int64_t>{3}));
  EXPECT_EQ(ds.variables.at("time").data.values<std::int64_t>()[0], k2013 + 2 * kDayNs);
  auto air = ds.variables.at("air").data.values<float>();
  ASSERT_EQ(air.size(), 6u);
  EXPECT_EQ(air[0], 2.0f);
  EXPECT_EQ(air[1], 1002.0f);
  EXPECT_EQ(air[5], 1004.0f);
  EXPECT_EQ(ds.variables.at("station").data.string_values().size(), 2u);  // untouched
}

TEST(TimeseriesTest, OpenEndedRangesAndValidation) {
  auto ts = nh::timeseries("time");
  nh::Boxed full = nh::Boxed::make(daily(10));
  auto open = args(nullptr, "2013-01-02");
  EXPECT_EQ(ts->post_process(full, open).as<nh::Dataset>().variables.at("time").data.size(), 2);
  EXPECT_TRUE(ts->validate(full, args("2013-01-01", "2013-01-10")));
  // Coverage allows a year of slack at either end, as the original Nuthatch does.
  EXPECT_TRUE(ts->validate(full, args("2013-01-02", "2013-01-11")));
  EXPECT_TRUE(ts->validate(full, args("2012-06-01", "2013-01-05")));
  EXPECT_TRUE(ts->validate(full, args("2013-01-02", "2013-03-01")));
  EXPECT_FALSE(ts->validate(full, args("2011-12-31", "2013-01-05")));
  EXPECT_FALSE(ts->validate(full, args("2013-01-02", "2014-01-11")));
  EXPECT_TRUE(nh::timeseries("time", false)->validate(full, args("2012-01-01", "2015-01-01")));
}

TEST(TimeseriesTest, BadArgumentsAreErrorsNamingThem) {
  auto ts = nh::timeseries("time");
  auto bad = args("not a date", "2013-01-02");
  try {
    ts->process_arguments(bad);
    FAIL();
  } catch (const nh::Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("start_time"));
  }
  auto reversed = args("2013-02-01", "2013-01-01");
  EXPECT_THROW(ts->process_arguments(reversed), nh::Error);
  auto a = args("2013-01-01", "2013-01-02");
  EXPECT_THROW(nh::timeseries("when")->post_process(nh::Boxed::make(daily(3)), a), nh::Error);
  EXPECT_THROW(ts->post_process(nh::Boxed::make(3), a), nh::Error);
}

}  // namespace

namespace {
TEST(NDArrayTest, VocabularyFromTheDesign) {
  auto b = nh::NDArray::from_vector(std::vector<bool>{true, false, true}, {3});
  EXPECT_EQ(b.dtype(), nh::DType::bool_);
  EXPECT_EQ(b.values<bool>()[2], true);
  auto f = nh::NDArray::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(f.size(), 6);
  EXPECT_EQ(f.shape(), (std::vector<std::int64_t>{2, 3}));
  EXPECT_THROW(f.values<double>(), nh::CodecError);
  auto g = f;  // shares the buffer
  g.mutable_values<float>()[0] = 9;  // copy on write
  EXPECT_EQ(f.values<float>()[0], 1);
  EXPECT_EQ(g.values<float>()[0], 9);
  EXPECT_THROW(nh::NDArray::from_vector(std::vector<int>{1, 2}, {3}), nh::CodecError);
  auto s = nh::NDArray::strings({"a", "bc"}, {2});
  EXPECT_EQ(s.string_values()[1], "bc");
  auto t = nh::NDArray::datetimes({0, 1}, {2});
  EXPECT_EQ(t.dtype(), nh::DType::datetime64_ns);
  EXPECT_EQ(t.values<std::int64_t>()[1], 1);
}
// --- partial recall through the engine ------------------------------------------------

/// Chunk reads (not metadata, not manifests) through the `counted://` scheme, which
/// forwards to the file driver.
std::atomic<int> g_chunk_reads{0};

class CountedStorage final : public nh::testing::ForwardingStorage {
 public:
  explicit CountedStorage(nh::StoragePtr inner) : ForwardingStorage(std::move(inner)) {}
  std::string url() const override { return "counted://" + inner()->url(); }
  std::optional<std::string> read(std::string_view path, nh::ByteRange range) override {
    std::string p(path);
    bool chunk = p.find("/c/") != std::string::npos;  // v3 chunk keys: <array>/c/<i>/<j>
    if (chunk) ++g_chunk_reads;
    return inner()->read(path, range);
  }
};

const nh::StorageRegistrar kCounted("counted", [](const std::string& url, const nh::Value& options) {
  return std::make_shared<CountedStorage>(nh::StorageRegistry::open(url.substr(10), options));
});

/// Ten years of daily data, "air" in chunks of 30 days (122 chunks); the time coordinate
/// is small and gets one chunk.
nh::Dataset ten_years() {
  nh::Dataset ds = daily(3652);
  ds.variables["air"].encoding = nh::Value::object({{"chunks", nh::Value::array({30, 2})}});
  return ds;
}

class PartialRecallTest : public ::testing::Test {
 protected:
  nh::testing::TempProject project_;
  void SetUp() override {
    nh::set_parameter("filesystem", nh::Value("counted://" + project_.root().string()));
  }
};

TEST_F(PartialRecallTest, TimeseriesRecallReadsOnlyTheChunksOfItsRange) {
  int computed = 0;
  auto record = nh::cache("record", {"start_time", "end_time"},
                          {.processors = {nh::timeseries("time")}},
                          [&](nh::Value, nh::Value) {
                            ++computed;
                            return ten_years();
                          });
  // The first call computes the whole record and stores it (raw) at root.
  nh::Dataset all = record(nh::Value(nullptr), nh::Value(nullptr));
  ASSERT_EQ(all.variables.at("time").data.size(), 3652);
  // A 1-month slice: the arguments key nothing, so the same entry serves it.
  g_chunk_reads = 0;
  nh::Dataset june = record(nh::Value("2017-06-01"), nh::Value("2017-06-30"));
  EXPECT_EQ(computed, 1);
  ASSERT_EQ(june.variables.at("time").data.size(), 30);
  auto times = june.variables.at("time").data.values<std::int64_t>();
  EXPECT_EQ(times.front(), k2013 + 1612 * kDayNs);  // 2017-06-01
  auto air = june.variables.at("air").data.values<float>();
  EXPECT_EQ(air[0], 1612.0f);
  EXPECT_EQ(air[59], 1000.0f + 1641.0f);
  EXPECT_EQ(june.variables.at("station").data.string_values().size(), 2u);
  // The time coordinate's one chunk, read for the labels and again sliced; the 2 of air's
  // 122 chunks that June 2017 straddles; station (no time dimension) whole: 5, where a
  // full recall reads 124.
  EXPECT_EQ(g_chunk_reads.load(), 5);
}

TEST_F(PartialRecallTest, APartialRecallStillDetectsARangeTheEntryDoesNotCover) {
  int computed = 0;
  auto record = nh::cache("short_record", {"start_time", "end_time"}, {.processors = {nh::timeseries("time")}},
                          [&](nh::Value, nh::Value) {
                            ++computed;
                            return daily(computed == 1 ? 40 : 800);  // 40 days, then 800
                          });
  EXPECT_EQ(record(nh::Value("2013-01-05"), nh::Value("2013-01-10"))
                .variables.at("time").data.size(), 6);
  EXPECT_EQ(computed, 1);
  // Recalled partially: the neighbours show the entry ends in February 2013, more than
  // the year of slack before the range ends: it fails validation, and is recomputed when
  // the call asks for it.
  EXPECT_THROW(record(nh::Value("2014-02-01"), nh::Value("2014-06-01")), nh::ValidationError);
  EXPECT_EQ(computed, 1);
  EXPECT_EQ(record.with({.force_overwrite = true, .recompute_invalid = true})(
                      nh::Value("2014-02-01"), nh::Value("2014-06-01"))
                .variables.at("time").data.size(), 121);
  EXPECT_EQ(computed, 2);
  // Inside the range; and the first day, whose left neighbour does not exist.
  EXPECT_EQ(record(nh::Value("2013-01-01"), nh::Value("2013-01-01"))
                .variables.at("time").data.size(), 1);
  EXPECT_EQ(computed, 2);
}

}  // namespace
