#pragma once
// Python objects held by the engine: results moving through levels and the memoizer
// (as nh::Boxed), and numpy buffers borrowed by nh::NDArray. The engine runs without the
// GIL and may drop its last reference on any thread, so a holder takes the GIL to
// release its object; after the interpreter has begun to finalize it leaks the object
// instead (the memoizer is emptied at exit, see nuthatch/__init__.py).

#include <nanobind/nanobind.h>

#include <memory>

#include "nuthatch/boxed.hpp"

namespace nuthatch::python {

namespace nb = nanobind;

/// One Python object, released under the GIL.
class PyRef {
 public:
  explicit PyRef(nb::object obj) : obj_(std::move(obj)) {}
  ~PyRef();
  PyRef(const PyRef&) = delete;
  PyRef& operator=(const PyRef&) = delete;
  const nb::object& object() const { return obj_; }

 private:
  nb::object obj_;
};

/// Whether the interpreter can still run Python code (not finalizing).
bool interpreter_alive();

/// A Boxed holding a Python object; None becomes the empty Boxed ("no value").
Boxed box(nb::object obj);
/// The Python object in a Boxed made by box() (None when empty). Needs the GIL.
nb::object unbox(const Boxed& boxed);
/// A shared owner that keeps `obj` alive (for NDArray::borrow).
std::shared_ptr<const void> keep_alive(nb::object obj);

}  // namespace nuthatch::python
