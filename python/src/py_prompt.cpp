#include "py_prompt.hpp"

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include <memory>
#include <optional>
#include <string>

#include "nuthatch/prompt.hpp"
#include "py_object.hpp"

namespace nb = nanobind;

namespace nuthatch::python {

void bind_prompt(nb::module_& m) {
  // set_prompter(ask): ask(question) -> True, False or None (nobody can answer); None
  // restores the engine's terminal prompt. The engine calls it from the calling thread,
  // without the GIL: the GIL is taken here (PyRef releases the object under it too).
  m.def("set_prompter", [](nb::object ask) {
    if (ask.is_none()) {
      set_prompter({});
      return;
    }
    auto held = std::make_shared<PyRef>(std::move(ask));
    set_prompter([held](const std::string& question) -> std::optional<bool> {
      nb::gil_scoped_acquire gil;
      nb::object answer = held->object()(question);
      if (answer.is_none()) return std::nullopt;
      return nb::cast<bool>(answer);
    });
  }, nb::arg("ask").none());
  m.def("is_yes", [](const std::string& answer) { return is_yes(answer); });
}

}  // namespace nuthatch::python
