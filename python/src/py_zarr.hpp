#pragma once
// Direct Zarr access for the Python package: whole-store read / write, the streaming
// writer (nh::zarr::DatasetWriter) that dask tasks hand blocks to, and the object writes
// of streamed parquet payloads. The streaming calls take a location's storage options
// (filesystem_options), so that tasks in any process can write to an object store.

#include <nanobind/nanobind.h>

namespace nuthatch::python {

void bind_zarr(nanobind::module_& m);

}  // namespace nuthatch::python
