#pragma once
// nh::Value <-> Python: None, bool, int (int64), float, str, bytes, list / tuple (-> list),
// dict with str keys (order kept). Everything needs the GIL.

#include <nanobind/nanobind.h>

#include "nuthatch/value.hpp"

namespace nuthatch::python {

namespace nb = nanobind;

/// The Value of a Python object. Throws nb::type_error naming the offending type (or an
/// int out of int64 range, a dict key that is not a str).
Value to_value(nb::handle obj);
/// The Python object of a Value (arrays become lists, objects dicts, bytes bytes).
nb::object from_value(const Value& value);
/// The `filesystem_options` Value of an optional dict (None: the driver's defaults).
Value options_from_py(nb::handle options);

}  // namespace nuthatch::python
