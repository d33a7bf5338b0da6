#pragma once
// Decorator and per-call keywords (DESIGN §5) from the dicts the Python package passes:
// missing keys and None leave a member unset. Throws nb::type_error / nb::value_error
// naming the keyword on a value of the wrong kind.

#include <nanobind/nanobind.h>

#include "nuthatch/options.hpp"

namespace nuthatch::python {

namespace nb = nanobind;

CacheOptions cache_options_from(nb::dict options);
CallOptions call_options_from(nb::dict options);

}  // namespace nuthatch::python
