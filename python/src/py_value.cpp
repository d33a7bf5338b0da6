#include "py_value.hpp"

// Without the std::string caster in this file, nb::cast<std::string> here would be a
// different instantiation from the other files' (an ODR violation the linker resolves
// either way): one that fails at run time.
#include <nanobind/stl/string.h>

#include <string>

namespace nuthatch::python {

Value to_value(nb::handle obj) {
  PyObject* o = obj.ptr();
  if (o == Py_None) return Value();
  if (PyBool_Check(o)) return Value(o == Py_True);
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long i = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow != 0) throw nb::type_error("int out of the int64 range");
    if (i == -1 && PyErr_Occurred()) throw nb::python_error();
    return Value(static_cast<std::int64_t>(i));
  }
  if (PyFloat_Check(o)) return Value(PyFloat_AS_DOUBLE(o));
  if (PyUnicode_Check(o)) {
    Py_ssize_t size = 0;
    const char* s = PyUnicode_AsUTF8AndSize(o, &size);
    if (s == nullptr) throw nb::python_error();
    return Value(std::string(s, static_cast<std::size_t>(size)));
  }
  if (PyBytes_Check(o)) {
    return Value(Bytes(PyBytes_AS_STRING(o), static_cast<std::size_t>(PyBytes_GET_SIZE(o))));
  }
  if (PyList_Check(o) || PyTuple_Check(o)) {
    Value::Array items;
    items.reserve(static_cast<std::size_t>(PySequence_Size(o)));
    for (nb::handle item : obj) items.push_back(to_value(item));
    return Value(std::move(items));
  }
  if (PyDict_Check(o)) {
    Value::Members members;
    for (auto [k, v] : nb::borrow<nb::dict>(obj)) {
      if (!PyUnicode_Check(k.ptr())) {
        throw nb::type_error(("dict key of type " +
                              std::string(nb::type_name(k.type()).c_str()) + " is not a str")
                                 .c_str());
      }
      members.emplace_back(nb::cast<std::string>(k), to_value(v));
    }
    return Value(std::move(members));
  }
  throw nb::type_error(
      ("values of type " + std::string(nb::type_name(obj.type()).c_str()) + " are not supported")
          .c_str());
}

nb::object from_value(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::null:
      return nb::none();
    case Value::Kind::boolean:
      return nb::bool_(value.as<bool>());
    case Value::Kind::integer:
      return nb::int_(value.as<std::int64_t>());
    case Value::Kind::floating:
      return nb::float_(value.as<double>());
    case Value::Kind::string: {
      const std::string& s = value.string_ref();
      return nb::steal(PyUnicode_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size())));
    }
    case Value::Kind::bytes: {
      const Bytes& b = value.bytes_ref();
      return nb::bytes(b.view().data(), b.size());
    }
    case Value::Kind::array: {
      nb::list out;
      for (const Value& v : value.array_items()) out.append(from_value(v));
      return out;
    }
    case Value::Kind::object: {
      nb::dict out;
      for (const auto& [k, v] : value.members()) out[nb::str(k.data(), k.size())] = from_value(v);
      return out;
    }
  }
  return nb::none();
}

Value options_from_py(nb::handle options) {
  return options.is_none() ? Value::object() : to_value(options);
}

}  // namespace nuthatch::python
