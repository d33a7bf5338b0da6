#include "py_timeseries.hpp"

#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>

#include <cstdint>
#include <optional>
#include <utility>

#include "nuthatch/timeseries.hpp"
#include "py_value.hpp"

namespace nuthatch::python {

void bind_timeseries(nb::module_& m) {
  m.def(
      "timeseries_bounds",
      [](nb::handle start_time, nb::handle end_time) {
        auto b = timeseries_rules::bounds(to_value(start_time), to_value(end_time));
        return std::make_pair(b.start, b.end);
      },
      nb::arg("start_time").none(), nb::arg("end_time").none(),
      "(start, end) in ns since the epoch of a call's start_time / end_time (None, int ns "
      "or ISO 8601 text): the first instant of the start's period and the last of the "
      "end's; None for an open side.");
  m.def(
      "timeseries_covers",
      [](std::int64_t first_ns, std::int64_t last_ns, nb::handle start_time,
         nb::handle end_time) {
        return timeseries_rules::covers(
            first_ns, last_ns, timeseries_rules::bounds(to_value(start_time), to_value(end_time)));
      },
      nb::arg("first_ns"), nb::arg("last_ns"), nb::arg("start_time").none(),
      nb::arg("end_time").none(),
      "Whether a stored series spanning [first_ns, last_ns] covers a call's start_time / "
      "end_time (the coverage rule: within 365 days of each end).");
}

}  // namespace nuthatch::python
