#pragma once
// nuthatch._core.DatasetReader: nh::zarr::DatasetReader for lazily loaded recalls. The
// package builds dask arrays whose tasks call read() (the GIL released while chunks are
// fetched and decoded).

#include <nanobind/nanobind.h>

namespace nuthatch::python {

void bind_zarr_reader(nanobind::module_& m);

}  // namespace nuthatch::python
