#pragma once
// nh::Dataset <-> the plain Python form the package's xarray adapter speaks:
//   {"variables": {name: (dims, dtype, data, attrs, encoding)}, "coords": [names],
//    "attrs": {...}}
// `dtype` is nuthatch's name ("float32", "bool", "datetime64[ns]", "str", ...). `data` is
// a C-contiguous numpy array (datetime64[ns] viewed as int64); for "str", an object
// array of str going in and a (list of str, shape) pair coming out. Numeric arrays cross without copies both ways: into C++ an NDArray borrows the
// numpy buffer (keeping the array alive), out of C++ numpy wraps the NDArray's buffer.

#include <nanobind/nanobind.h>

#include "nuthatch/ndarray.hpp"

namespace nuthatch::python {

namespace nb = nanobind;

/// Parses nuthatch's dtype name; throws nb::value_error listing the known ones.
DType parse_dtype(const std::string& name);
/// An NDArray over `data` (see above). Needs the GIL.
NDArray array_from_py(DType dtype, nb::handle data);
/// A numpy array (or list of str) over an NDArray. Needs the GIL.
nb::object array_to_py(const NDArray& array);

Dataset dataset_from_py(nb::handle dataset);
nb::dict dataset_to_py(const Dataset& dataset);

}  // namespace nuthatch::python
