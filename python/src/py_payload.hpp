#pragma once
// Storage facts of a payload for the Python type adapters: whether its location is a
// local directory (and which), whether tasks in other processes can reach it, and the
// object names of a multi-file payload. The engine's drivers and codecs decide them; the
// Python package asks here instead of parsing URLs or naming files itself.

#include <nanobind/nanobind.h>

namespace nuthatch::python {

void bind_payload(nanobind::module_& m);

}  // namespace nuthatch::python
