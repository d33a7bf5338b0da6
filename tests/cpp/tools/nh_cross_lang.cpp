// nh_cross_lang MODE ARGS...: the C++ side of the Python cross-language tests
// (tests/python/test_cross_language.py). Declares the same cached functions as the
// Python test, through the typed C++ API, and either recalls what Python stored or
// stores what Python then recalls. Run in the test's project directory (its
// nuthatch.toml names the root).
//
//   nh_cross_lang read-value N LABEL       recall cross_value(n, label) (a nh::Value)
//   nh_cross_lang read-dataset START END   recall cross_dataset(start_time, end_time)
//   nh_cross_lang write-value N LABEL      compute and store cross_value(n, label)
//   nh_cross_lang write-dataset START END  compute and store cross_dataset(...)
//
// Reads run in read_only_strict mode (a miss is an error) and print the value as JSON on
// stdout: a Value as it is; a Dataset as {"variables": {name: {"dims", "dtype", "shape",
// "values"}}, "coords", "attrs"} with datetimes as int64 nanoseconds. Exit 0 on success,
// 1 with the error on stderr.

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "nuthatch/nuthatch.hpp"

namespace nh = nuthatch;

namespace {

nh::Value values_of(const nh::NDArray& a) {
  nh::Value::Array out;
  auto add = [&]<class T>(std::span<const T> v) {
    for (T x : v) out.push_back(nh::Value(x));
  };
  switch (a.dtype()) {
    case nh::DType::float64: add(a.values<double>()); break;
    case nh::DType::float32: add(a.values<float>()); break;
    case nh::DType::int64:
    case nh::DType::datetime64_ns: add(a.values<std::int64_t>()); break;
    case nh::DType::int32: add(a.values<std::int32_t>()); break;
    case nh::DType::int16: add(a.values<std::int16_t>()); break;
    case nh::DType::string:
      for (const auto& s : a.string_values()) out.push_back(nh::Value(s));
      break;
    default: throw nh::CodecError("nh_cross_lang: unsupported dtype in summary");
  }
  return nh::Value(std::move(out));
}

nh::Value summary(const nh::Dataset& ds) {
  nh::Value vars = nh::Value::object();
  for (const auto& [name, v] : ds.variables) {
    nh::Value::Array dims(v.dims.begin(), v.dims.end());
    nh::Value::Array shape(v.data.shape().begin(), v.data.shape().end());
    vars[name] = nh::Value::object({{"dims", nh::Value(dims)},
                                    {"dtype", std::string(nh::dtype_name(v.data.dtype()))},
                                    {"shape", nh::Value(shape)},
                                    {"values", values_of(v.data)},
                                    {"attrs", v.attrs}});
  }
  nh::Value::Array coords(ds.coords.begin(), ds.coords.end());
  return nh::Value::object({{"variables", vars}, {"coords", nh::Value(coords)}, {"attrs", ds.attrs}});
}

/// Four days of a float variable on a datetime coordinate, with a string attribute.
nh::Dataset make_dataset() {
  constexpr std::int64_t kDay = 86'400'000'000'000;
  constexpr std::int64_t k2013 = 1'356'998'400'000'000'000;  // 2013-01-01T00:00:00Z
  nh::Dataset ds;
  ds.variables["time"] = {{"time"}, nh::NDArray::datetimes({k2013, k2013 + kDay, k2013 + 2 * kDay,
                                                            k2013 + 3 * kDay}, {4})};
  ds.variables["air"] = {{"time"}, nh::NDArray::from_vector<double>({1.5, 2.5, 3.5, 4.5}, {4}),
                         nh::Value::object({{"units", "K"}})};
  ds.coords.insert("time");
  ds.attrs = nh::Value::object({{"source", "c++"}});
  return ds;
}

int run(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: nh_cross_lang read-value|write-value N LABEL | "
                 "read-dataset|write-dataset START END\n";
    return 2;
  }
  const std::string mode = argv[1];
  const bool read = mode.rfind("read-", 0) == 0;
  nh::CallOptions call;
  if (read) call.cache_mode = nh::CacheMode::read_only_strict;

  if (mode == "read-value" || mode == "write-value") {
    auto f = nh::cache("cross_value", {"n", "label"}, {.cache_args = {"n", "label"}},
                       [](std::int64_t n, std::string label) {
                         return nh::Value::object({{"n", n}, {"label", label}, {"from", "c++"},
                                                   {"list", nh::Value::array({1, 2.5, "x"})}});
                       });
    nh::Value v = f.with(call)(std::stoll(argv[2]), argv[3]);
    std::cout << v.to_string() << "\n";
    return 0;
  }
  if (mode == "read-dataset" || mode == "write-dataset") {
    auto f = nh::cache("cross_dataset", {"start_time", "end_time"}, {},
                       [](std::string, std::string) { return make_dataset(); });
    nh::Dataset ds = f.with(call)(argv[2], argv[3]);
    std::cout << summary(ds).to_string() << "\n";
    return 0;
  }
  std::cerr << "nh_cross_lang: unknown mode " << mode << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "nh_cross_lang: " << e.what() << "\n";
    return 1;
  }
}
