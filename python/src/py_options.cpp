#include "py_options.hpp"

#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "py_adapter.hpp"
#include "py_value.hpp"

namespace nuthatch::python {
namespace {

/// The value of keyword `key`, or nullptr when absent or None.
PyObject* find(nb::dict options, const char* key) {
  PyObject* v = PyDict_GetItemString(options.ptr(), key);
  return v == nullptr || v == Py_None ? nullptr : v;
}

template <class T>
T get(nb::handle value, const char* key) {
  T out;
  if (!nb::try_cast(value, out)) {
    throw nb::type_error((std::string("keyword '") + key + "' got a value of type " +
                          nb::type_name(value.type()).c_str())
                             .c_str());
  }
  return out;
}

template <class T>
void set(nb::dict options, const char* key, T& member) {
  if (PyObject* v = find(options, key)) member = get<T>(v, key);
}

template <class T>
void set(nb::dict options, const char* key, std::optional<T>& member) {
  if (PyObject* v = find(options, key)) member = get<T>(v, key);
}

/// True, a name, a list of names or '_all'.
FunctionSet function_set(nb::dict options, const char* key) {
  PyObject* v = find(options, key);
  if (v == nullptr) return {};
  if (PyBool_Check(v)) return FunctionSet(v == Py_True);
  if (PyUnicode_Check(v)) {
    std::string name = nb::cast<std::string>(nb::handle(v));
    return name == "_all" ? FunctionSet::all() : FunctionSet(name);
  }
  std::vector<std::string> names = get<std::vector<std::string>>(v, key);
  if (std::find(names.begin(), names.end(), "_all") != names.end()) return FunctionSet::all();
  return FunctionSet::names(std::move(names));
}

Value object_of(nb::dict options, const char* key) {
  PyObject* v = find(options, key);
  if (v == nullptr) return Value::object();
  if (!PyDict_Check(v)) throw nb::type_error((std::string("keyword '") + key + "' takes a dict").c_str());
  return to_value(v);
}

/// A dict (or list of dicts) of argument -> value or list of values.
DisableIf disable_if(nb::dict options) {
  PyObject* v = find(options, "cache_disable_if");
  if (v == nullptr) return {};
  nb::list rules;
  if (PyDict_Check(v)) {
    rules.append(nb::handle(v));
  } else {
    rules = nb::list(nb::handle(v));
  }
  DisableIf out;
  for (nb::handle rule : rules) {
    if (!PyDict_Check(rule.ptr())) throw nb::type_error("cache_disable_if takes a dict or a list of dicts");
    std::map<std::string, std::vector<Value>> m;
    for (auto [k, values] : nb::borrow<nb::dict>(rule)) {
      std::vector<Value> allowed;
      if (PyList_Check(values.ptr()) || PyTuple_Check(values.ptr()) || PyAnySet_Check(values.ptr())) {
        for (nb::handle x : values) allowed.push_back(to_value(x));
      } else {
        allowed.push_back(to_value(values));
      }
      m.emplace(nb::cast<std::string>(k), std::move(allowed));
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

CacheOptions cache_options_from(nb::dict options) {
  CacheOptions o;
  set(options, "cache", o.cache);
  set(options, "namespace", o.ns);
  set(options, "version", o.version);
  set(options, "cache_args", o.cache_args);
  o.cache_disable_if = disable_if(options);
  set(options, "fail_if_no_cache", o.fail_if_no_cache);
  set(options, "recompute_invalid", o.recompute_invalid);
  set(options, "engine", o.engine);
  set(options, "backend", o.backend);
  o.backend_kwargs = object_of(options, "backend_kwargs");
  set(options, "storage_backend", o.storage_backend);
  o.storage_backend_kwargs = object_of(options, "storage_backend_kwargs");
  set(options, "memoize", o.memoize);
  set(options, "upsert_keys", o.upsert_keys);
  if (PyObject* v = find(options, "on_stale")) o.on_stale = parse_on_stale(get<std::string>(v, "on_stale"));
  set(options, "stale_on_packages", o.stale_on_packages);
  return o;
}

CallOptions call_options_from(nb::dict options) {
  CallOptions o;
  set(options, "cache", o.cache);
  set(options, "namespace", o.ns);
  if (PyObject* v = find(options, "cache_mode")) {
    o.cache_mode = parse_cache_mode(get<std::string>(v, "cache_mode"));
  }
  o.recompute = function_set(options, "recompute");
  if (PyObject* v = find(options, "memoize"); v != nullptr && v != Py_None) {
    o.memoize = function_set(options, "memoize");
  }
  set(options, "engine", o.engine);
  set(options, "backend", o.backend);
  if (find(options, "backend_kwargs")) o.backend_kwargs = object_of(options, "backend_kwargs");
  set(options, "storage_backend", o.storage_backend);
  if (find(options, "storage_backend_kwargs")) {
    o.storage_backend_kwargs = object_of(options, "storage_backend_kwargs");
  }
  set(options, "filepath_only", o.filepath_only);
  set(options, "retry_null_cache", o.retry_null_cache);
  set(options, "fail_if_no_cache", o.fail_if_no_cache);
  set(options, "recompute_invalid", o.recompute_invalid);
  set(options, "upsert", o.upsert);
  set(options, "force_overwrite", o.force_overwrite);
  if (PyObject* v = find(options, "on_stale")) o.on_stale = parse_on_stale(get<std::string>(v, "on_stale"));
  // Set by nuthatch.cache.Cache only (a location given by its configuration dict).
  if (find(options, "location")) o.location = object_of(options, "location");
  if (PyObject* v = find(options, "post_processors")) {
    for (nb::handle p : nb::handle(v)) o.post_processors.push_back(std::make_shared<PyProcessor>(nb::borrow(p)));
  }
  return o;
}

}  // namespace nuthatch::python
