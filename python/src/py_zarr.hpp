#pragma once
// Direct Zarr access for the Python package: whole-store read / write and the streaming
// writer (nh::zarr::DatasetWriter) that dask tasks hand blocks to.

#include <nanobind/nanobind.h>

namespace nuthatch::python {

void bind_zarr(nanobind::module_& m);

}  // namespace nuthatch::python
