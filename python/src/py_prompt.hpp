#pragma once
// The engine's questions (nuthatch/prompt.hpp) asked through Python: the package installs
// a prompter written in Python (nuthatch/_prompt.py), so notebooks and other front ends
// without a terminal can answer.

#include <nanobind/nanobind.h>

namespace nuthatch::python {

void bind_prompt(nanobind::module_& m);

}  // namespace nuthatch::python
