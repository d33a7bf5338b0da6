// The timeseries processor: slices a Dataset along a datetime64 coordinate between the
// call's start_time and end_time arguments, and checks that the data covers them.

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "common/time.hpp"
#include "nuthatch/ndarray.hpp"
#include "nuthatch/processor.hpp"

namespace nuthatch {

const Value* Arguments::find(std::string_view name) const {
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (names[i] == name) return &values[i];
  }
  return nullptr;
}

namespace {

std::optional<std::int64_t> time_argument(const Arguments& args, std::string_view name) {
  const Value* v = args.find(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_int()) return v->as<std::int64_t>();
  if (!v->is_string()) {
    throw Error(fmt::format("timeseries: argument {} must be an ISO 8601 date, got {}", name,
                            v->to_string()));
  }
  auto ns = parse_iso8601_ns(v->as<std::string>());
  if (!ns) {
    throw Error(fmt::format("timeseries: argument {} = '{}' is not an ISO 8601 date or time",
                            name, v->as<std::string>()));
  }
  return ns;
}

/// Copies rows [begin, end) of `axis` out of a C-contiguous array.
NDArray slice_axis(const NDArray& a, std::size_t axis, std::int64_t begin, std::int64_t end) {
  std::vector<std::int64_t> shape = a.shape();
  std::int64_t outer = 1, inner = 1;
  for (std::size_t i = 0; i < axis; ++i) outer *= shape[i];
  for (std::size_t i = axis + 1; i < shape.size(); ++i) inner *= shape[i];
  const std::int64_t n = shape[axis];
  shape[axis] = end - begin;
  if (a.dtype() == DType::string) {
    const auto& src = a.string_values();
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(outer * (end - begin) * inner));
    for (std::int64_t o = 0; o < outer; ++o) {
      auto first = src.begin() + (o * n + begin) * inner;
      out.insert(out.end(), first, first + (end - begin) * inner);
    }
    return NDArray::strings(std::move(out), std::move(shape));
  }
  const std::size_t item = dtype_size(a.dtype());
  NDArray out = NDArray::zeros(a.dtype(), shape);
  auto* dst = static_cast<char*>(const_cast<void*>(out.data()));
  const auto* src = static_cast<const char*>(a.data());
  const std::size_t run = static_cast<std::size_t>((end - begin) * inner) * item;
  for (std::int64_t o = 0; o < outer; ++o) {
    std::memcpy(dst + o * run, src + static_cast<std::size_t>((o * n + begin) * inner) * item, run);
  }
  return out;
}

class Timeseries final : public Processor {
 public:
  Timeseries(std::string dim, bool validate_data) : dim_(std::move(dim)), validate_(validate_data) {}

  std::string name() const override { return "timeseries"; }

  void process_arguments(Arguments& args) const override {
    auto start = time_argument(args, "start_time");
    auto end = time_argument(args, "end_time");
    if (start && end && *start > *end) {
      throw Error(fmt::format("timeseries: start_time is after end_time ({} > {})",
                              args.find("start_time")->to_string(), args.find("end_time")->to_string()));
    }
  }

  std::optional<CoordinateRange> read_range(const Arguments& args) const override {
    return CoordinateRange{dim_, time_argument(args, "start_time"), time_argument(args, "end_time")};
  }

  bool validate(const Boxed& result, const Arguments& args) const override {
    if (!validate_) return true;
    const Dataset* ds = result.get<Dataset>();
    if (ds == nullptr) return true;
    auto times = coordinate(*ds);
    if (times.empty()) return false;
    auto start = time_argument(args, "start_time");
    auto end = time_argument(args, "end_time");
    // One step of slack: a daily record ending on the 31st covers "until the 1st".
    std::int64_t step = times.size() > 1 ? times[1] - times[0] : 0;
    if (start && times.front() > *start + step) return false;
    if (end && times.back() < *end - step) return false;
    return true;
  }

  Boxed post_process(Boxed result, const Arguments& args) const override {
    const Dataset* ds = result.get<Dataset>();
    if (ds == nullptr) {
      throw Error(fmt::format("timeseries: the result is a {}, not a Dataset",
                              type_name(result.type())));
    }
    auto times = coordinate(*ds);
    auto start = time_argument(args, "start_time");
    auto end = time_argument(args, "end_time");
    auto lo = start ? std::lower_bound(times.begin(), times.end(), *start) : times.begin();
    auto hi = end ? std::upper_bound(times.begin(), times.end(), *end) : times.end();
    auto begin = static_cast<std::int64_t>(lo - times.begin());
    auto stop = std::max(begin, static_cast<std::int64_t>(hi - times.begin()));
    if (begin == 0 && stop == static_cast<std::int64_t>(times.size())) return result;
    Dataset out = *ds;
    for (auto& [name, var] : out.variables) {
      auto it = std::find(var.dims.begin(), var.dims.end(), dim_);
      if (it == var.dims.end()) continue;
      var.data = slice_axis(var.data, static_cast<std::size_t>(it - var.dims.begin()), begin, stop);
    }
    return Boxed::make<Dataset>(std::move(out));
  }

 private:
  std::span<const std::int64_t> coordinate(const Dataset& ds) const {
    auto it = ds.variables.find(dim_);
    if (it == ds.variables.end() || it->second.dims.size() != 1 ||
        it->second.data.dtype() != DType::datetime64_ns) {
      throw Error(fmt::format("timeseries: the dataset has no datetime64 coordinate '{}'", dim_));
    }
    return it->second.data.values<std::int64_t>();
  }

  std::string dim_;
  bool validate_;
};

}  // namespace

std::shared_ptr<const Processor> timeseries(std::string dim, bool validate_data) {
  return std::make_shared<Timeseries>(std::move(dim), validate_data);
}

}  // namespace nuthatch
