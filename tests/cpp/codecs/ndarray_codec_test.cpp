// codec<NDArray>: an array travels as xarray's one-variable dataset, and memory_size
// estimates for the memoizer.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch {
namespace {

TEST(NDArrayCodecTest, EncodesAsXarrayUnnamedDataArray) {
  NDArray a = NDArray::from_vector<double>({1, 2, 3, 4, 5, 6}, {2, 3});
  Dataset d = codec<NDArray>::encode(a);
  ASSERT_EQ(d.variables.size(), 1u);
  const Variable& var = d.variables.at("__xarray_dataarray_variable__");
  EXPECT_EQ(var.dims, (std::vector<std::string>{"dim_0", "dim_1"}));
  EXPECT_EQ(var.data, a);
  EXPECT_TRUE(d.coords.empty());
  EXPECT_EQ(codec<NDArray>::decode(d), a);
}

TEST(NDArrayCodecTest, ScalarsAndStringsRoundTrip) {
  NDArray scalar = NDArray::from_vector<std::int32_t>({7}, {});
  Dataset d = codec<NDArray>::encode(scalar);
  EXPECT_TRUE(d.variables.at(std::string(codec<NDArray>::variable)).dims.empty());
  EXPECT_EQ(codec<NDArray>::decode(d), scalar);
  NDArray words = NDArray::strings({"a", "bb", "ccc"}, {3});
  EXPECT_EQ(codec<NDArray>::decode(codec<NDArray>::encode(words)), words);
}

TEST(NDArrayCodecTest, DecodesTheOnlyDataVariable) {
  Dataset d;
  d.variables["time"] = Variable{{"time"}, NDArray::datetimes({0, 1}, {2})};
  d.variables["air"] = Variable{{"time"}, NDArray::from_vector<float>({1.5f, 2.5f}, {2})};
  d.coords.insert("time");
  EXPECT_EQ(codec<NDArray>::decode(d), d.variables["air"].data);
}

TEST(NDArrayCodecTest, AmbiguousDatasetsAreRejected) {
  Dataset d;
  d.variables["a"] = Variable{{"x"}, NDArray::from_vector<double>({1}, {1})};
  d.variables["b"] = Variable{{"x"}, NDArray::from_vector<double>({2}, {1})};
  try {
    codec<NDArray>::decode(d);
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find("2 data variables (a, b)"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(codec<NDArray>::decode(Dataset{}), CodecError);
}

TEST(MemorySizeTest, GrowsWithContent) {
  EXPECT_GE(memory_size(Value(1)), sizeof(Value));
  EXPECT_GT(memory_size(Value(std::string(1000, 'x'))), 1000u);
  EXPECT_GT(memory_size(Value(Bytes(std::string(1000, 'x')))), 1000u);
  Value list = Value(Value::Array(100, Value(1.5)));
  EXPECT_GE(memory_size(list), 100 * sizeof(Value));
  Value obj = Value::object({{"key", list}});
  EXPECT_GT(memory_size(obj), memory_size(list));
  EXPECT_GT(memory_size(std::vector<std::vector<int>>{{1, 2, 3}}), 3 * sizeof(int));
}

TEST(MemorySizeTest, ArraysAndDatasetsCountTheirBuffers) {
  NDArray a = NDArray::from_vector<double>(std::vector<double>(1000, 1.0), {1000});
  EXPECT_GE(memory_size(a), 8000u);
  EXPECT_LT(memory_size(a), 9000u);
  NDArray words = NDArray::strings(std::vector<std::string>(10, std::string(100, 'w')), {10});
  EXPECT_GE(memory_size(words), 1000u);
  Dataset d = codec<NDArray>::encode(a);
  d.attrs = Value::object({{"title", std::string(500, 't')}});
  EXPECT_GT(memory_size(d), memory_size(a) + 500);
}

}  // namespace
}  // namespace nuthatch
