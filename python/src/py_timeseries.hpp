#pragma once
// The timeseries rules (nuthatch/timeseries.hpp) for the Python processor: a call's
// bounds (the end of the period a date names) and the coverage check, so both languages
// apply one rule.

#include <nanobind/nanobind.h>

namespace nuthatch::python {

void bind_timeseries(nanobind::module_& m);

}  // namespace nuthatch::python
