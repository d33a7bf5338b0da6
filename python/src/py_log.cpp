#include "py_log.hpp"

#include <nanobind/stl/string.h>

#include <cstdio>
#include <memory>
#include <string>

#include "nuthatch/log.hpp"
#include "py_object.hpp"

namespace nb = nanobind;

namespace nuthatch::python {

void bind_log(nb::module_& m) {
  // set_log_sink(emit): emit(level, message), level 0..4 = trace, debug, info, warn, error;
  // None restores standard error. Messages come from any thread: the GIL is taken here.
  // Once the interpreter is finalizing, messages go to standard error instead.
  m.def("set_log_sink", [](nb::object emit) {
    if (emit.is_none()) {
      set_log_sink({});
      return;
    }
    auto held = std::make_shared<PyRef>(std::move(emit));
    set_log_sink([held](LogLevel level, const std::string& message) {
      if (!interpreter_alive()) {
        std::fprintf(stderr, "nuthatch: %s\n", message.c_str());
        return;
      }
      nb::gil_scoped_acquire gil;
      try {
        held->object()(static_cast<int>(level), message);
      } catch (const nb::python_error& e) {
        // A failing handler must not fail the call that logged.
        std::fprintf(stderr, "nuthatch: %s (the Python log handler failed: %s)\n",
                     message.c_str(), e.what());
      }
    });
  }, nb::arg("emit").none());
}

}  // namespace nuthatch::python
