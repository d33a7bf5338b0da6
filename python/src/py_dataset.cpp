#include "py_dataset.hpp"

#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <string>
#include <vector>

#include "py_object.hpp"
#include "py_value.hpp"

namespace nuthatch::python {
namespace {

constexpr DType kAllDTypes[] = {DType::bool_,  DType::int8,    DType::int16,  DType::int32,
                                DType::int64,  DType::uint8,   DType::uint16, DType::uint32,
                                DType::uint64, DType::float32, DType::float64, DType::datetime64_ns,
                                DType::string};

using InArray = nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>;

nb::dlpack::dtype dlpack_of(DType t) {
  switch (t) {
    case DType::bool_: return nb::dtype<bool>();
    case DType::int8: return nb::dtype<std::int8_t>();
    case DType::int16: return nb::dtype<std::int16_t>();
    case DType::int32: return nb::dtype<std::int32_t>();
    case DType::int64:
    case DType::datetime64_ns: return nb::dtype<std::int64_t>();
    case DType::uint8: return nb::dtype<std::uint8_t>();
    case DType::uint16: return nb::dtype<std::uint16_t>();
    case DType::uint32: return nb::dtype<std::uint32_t>();
    case DType::uint64: return nb::dtype<std::uint64_t>();
    case DType::float32: return nb::dtype<float>();
    case DType::float64: return nb::dtype<double>();
    case DType::string: break;
  }
  throw nb::value_error("no numpy dtype for strings");
}

std::string variable_error(const std::string& name, const std::string& cause) {
  return "variable '" + name + "': " + cause;
}

}  // namespace

DType parse_dtype(const std::string& name) {
  std::string known;
  for (DType t : kAllDTypes) {
    if (dtype_name(t) == name) return t;
    known += (known.empty() ? "" : ", ") + std::string(dtype_name(t));
  }
  throw nb::value_error(("unknown dtype '" + name + "' (known: " + known + ")").c_str());
}

NDArray array_from_py(DType dtype, nb::handle data) {
  if (dtype == DType::string) {
    std::vector<std::string> values;
    std::vector<std::int64_t> shape;
    nb::object flat = data.attr("ravel")();
    shape = nb::cast<std::vector<std::int64_t>>(data.attr("shape"));
    values.reserve(static_cast<std::size_t>(nb::len(flat)));
    for (nb::handle s : flat) values.push_back(nb::cast<std::string>(s));
    return NDArray::strings(std::move(values), std::move(shape));
  }
  InArray array;
  if (!nb::try_cast(data, array, /*convert=*/false)) {
    throw nb::type_error("expected a C-contiguous numpy array on the CPU");
  }
  if (array.itemsize() != dtype_size(dtype)) {
    throw nb::type_error(("an array of " + std::to_string(array.itemsize()) +
                          "-byte elements cannot hold " + std::string(dtype_name(dtype)))
                             .c_str());
  }
  std::vector<std::int64_t> shape(array.ndim());
  for (std::size_t i = 0; i < array.ndim(); ++i) shape[i] = static_cast<std::int64_t>(array.shape(i));
  return NDArray::borrow(dtype, std::move(shape), array.data(), array.nbytes(),
                         keep_alive(nb::borrow(data)));
}

nb::object array_to_py(const NDArray& array) {
  if (array.dtype() == DType::string) {
    nb::list values;
    for (const std::string& s : array.string_values()) values.append(nb::str(s.data(), s.size()));
    return nb::make_tuple(values, nb::tuple(nb::cast(array.shape())));
  }
  std::vector<std::size_t> shape(array.shape().begin(), array.shape().end());
  // The capsule owns a copy of the NDArray, which shares (and keeps alive) its buffer.
  auto* keep = new NDArray(array);
  nb::capsule owner(keep, [](void* p) noexcept { delete static_cast<NDArray*>(p); });
  nb::ndarray<nb::numpy> out(const_cast<void*>(array.data()), shape.size(), shape.data(), owner,
                             nullptr, dlpack_of(array.dtype()));
  return out.cast();
}

Dataset dataset_from_py(nb::handle dataset) {
  Dataset ds;
  nb::dict variables = nb::cast<nb::dict>(dataset["variables"]);
  for (auto [key, spec] : variables) {
    std::string name = nb::cast<std::string>(key);
    nb::tuple t = nb::cast<nb::tuple>(spec);
    if (t.size() != 5) throw nb::value_error(variable_error(name, "expected 5 fields").c_str());
    Variable v;
    v.dims = nb::cast<std::vector<std::string>>(t[0]);
    try {
      v.data = array_from_py(parse_dtype(nb::cast<std::string>(t[1])), t[2]);
    } catch (const nb::builtin_exception& e) {
      throw nb::type_error(variable_error(name, e.what()).c_str());
    }
    v.attrs = to_value(t[3]);
    v.encoding = to_value(t[4]);
    ds.variables.emplace(std::move(name), std::move(v));
  }
  for (nb::handle c : dataset["coords"]) ds.coords.insert(nb::cast<std::string>(c));
  ds.attrs = to_value(dataset["attrs"]);
  return ds;
}

nb::dict dataset_to_py(const Dataset& dataset) {
  nb::dict variables;
  for (const auto& [name, v] : dataset.variables) {
    nb::tuple dims(nb::cast(v.dims));
    variables[nb::str(name.data(), name.size())] =
        nb::make_tuple(dims, nb::str(std::string(dtype_name(v.data.dtype())).c_str()),
                       array_to_py(v.data), from_value(v.attrs), from_value(v.encoding));
  }
  nb::list coords;
  for (const std::string& c : dataset.coords) coords.append(nb::str(c.data(), c.size()));
  nb::dict out;
  out["variables"] = variables;
  out["coords"] = coords;
  out["attrs"] = from_value(dataset.attrs);
  return out;
}

}  // namespace nuthatch::python
