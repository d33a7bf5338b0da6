#pragma once
// The engine's log messages (nuthatch/log.hpp) handed to a Python callable: the package
// forwards them to the `logging` logger "nuthatch" (nuthatch/_logging.py).

#include <nanobind/nanobind.h>

namespace nuthatch::python {

void bind_log(nanobind::module_& m);

}  // namespace nuthatch::python
