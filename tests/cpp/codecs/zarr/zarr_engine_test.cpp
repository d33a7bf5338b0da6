// The engine caches nh::Dataset and nh::NDArray results with the zarr backend.

#include <gtest/gtest.h>

#include <filesystem>

#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;

namespace {

nh::Dataset sample_dataset(int n) {
  nh::Dataset ds;
  std::vector<float> values;
  for (int i = 0; i < n * 4; ++i) values.push_back(static_cast<float>(i) * 0.5f);
  ds.variables["air"] = {{"time", "x"}, nh::NDArray::from_vector(values, {n, 4}),
                         nh::Value::object({{"units", "K"}})};
  std::vector<std::int64_t> times;
  for (int i = 0; i < n; ++i) times.push_back(std::int64_t{86'400'000'000'000} * i);
  ds.variables["time"] = {{"time"}, nh::NDArray::datetimes(times, {n})};
  ds.coords = {"time"};
  ds.attrs = nh::Value::object({{"source", "test"}});
  return ds;
}

TEST(ZarrEngine, DatasetAndArrayResultsAreRecalledEqual) {
  nh::testing::TempProject project;
  int calls = 0;
  auto make = nh::cache("make_ds", {"n"}, {.cache_args = {"n"}}, [&](int n) {
    ++calls;
    return sample_dataset(n);
  });
  EXPECT_EQ(make(3), sample_dataset(3));
  nh::clear_memoizer();
  EXPECT_EQ(make(3), sample_dataset(3));
  EXPECT_EQ(calls, 1);
  bool found = false;
  for (const auto& e : std::filesystem::recursive_directory_iterator(project.root())) {
    if (e.path().filename() == "zarr.json") found = true;
  }
  EXPECT_TRUE(found);

  auto arr = nh::cache("make_arr", {"n"}, {.cache_args = {"n"}}, [&](int n) {
    ++calls;
    return nh::NDArray::from_vector(std::vector<std::int16_t>(static_cast<std::size_t>(n), 7), {n});
  });
  nh::NDArray first = arr(5);
  nh::clear_memoizer();
  EXPECT_EQ(arr(5), first);
  EXPECT_EQ(calls, 2);

  auto v2 = nh::cache("make_v2", {"n"},
                      {.cache_args = {"n"}, .backend_kwargs = nh::Value::object({{"zarr_format", 2}})},
                      [&](int n) { return sample_dataset(n); });
  EXPECT_EQ(v2(2), sample_dataset(2));
  nh::clear_memoizer();
  EXPECT_EQ(v2(2), sample_dataset(2));
}

}  // namespace
