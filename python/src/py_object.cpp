#include "py_object.hpp"

#include "nuthatch/error.hpp"

namespace nuthatch::python {

bool interpreter_alive() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsInitialized() && !Py_IsFinalizing();
#else
  return Py_IsInitialized() && !_Py_IsFinalizing();
#endif
}

PyRef::~PyRef() {
  if (!obj_.is_valid()) return;
  if (!interpreter_alive()) {
    (void)obj_.release();  // too late to run Python code: leak rather than crash
    return;
  }
  nb::gil_scoped_acquire gil;
  obj_.reset();
}

Boxed box(nb::object obj) {
  if (obj.is_none()) return {};
  return Boxed::from_shared(std::make_shared<const PyRef>(std::move(obj)), typeid(PyRef));
}

nb::object unbox(const Boxed& boxed) {
  if (boxed.empty()) return nb::none();
  if (const PyRef* ref = boxed.get<PyRef>()) return ref->object();
  throw CodecError("the Python binding got a " + type_name(boxed.type()) +
                   " where it expected a Python object");
}

std::shared_ptr<const void> keep_alive(nb::object obj) {
  return std::make_shared<const PyRef>(std::move(obj));
}

}  // namespace nuthatch::python
