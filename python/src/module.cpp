// nuthatch._core: the nanobind module. It binds the engine (a cached function's
// declaration and its calls), configuration, the memoizer, the call context and direct
// Zarr access; the pure-Python package (python/nuthatch/) holds the decorator, argument
// binding and type adapters. Every entry point that does I/O or computes releases the GIL;
// the engine takes it back to call Python (compute, type adapters, processors, secret
// providers). nuthatch errors become the Python exceptions declared here, in one place.

#include <nanobind/nanobind.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <memory>
#include <string>
#include <vector>

#include "nuthatch/cache.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/config.hpp"
#include "nuthatch/engine.hpp"
#include "nuthatch/keys.hpp"
#include "nuthatch/version.hpp"
#include "py_adapter.hpp"
#include "py_object.hpp"
#include "py_options.hpp"
#include "py_payload.hpp"
#include "py_log.hpp"
#include "py_prompt.hpp"
#include "py_timeseries.hpp"
#include "py_value.hpp"
#include "py_zarr.hpp"
#include "py_zarr_reader.hpp"

namespace nb = nanobind;

namespace nuthatch::python {
namespace {

std::shared_ptr<const ResultAdapter>& type_adapter() {
  static std::shared_ptr<const ResultAdapter> adapter;
  return adapter;
}

/// One cached function's declaration.
class Function {
 public:
  Function(std::string name, std::vector<std::string> params, nb::dict options, std::string code) {
    if (!type_adapter()) throw nb::type_error("nuthatch._core.set_types() was not called");
    CacheOptions o = cache_options_from(options);
    spec_ = detail::make_spec(std::move(name), params, std::move(o), type_adapter(),
                              std::move(code), params.size());
  }

  const std::string& name() const { return spec_->name; }

  /// Sets the code fingerprint's components (computed by the front end on the first call,
  /// once every helper of the function is defined); the digest is the engine's.
  void set_code(std::map<std::string, std::string> components) {
    auto spec = std::make_shared<FunctionSpec>(*spec_);
    spec->code = "py:" + fingerprint_digest(components);
    spec->code_components = std::move(components);
    spec_ = std::move(spec);  // calls running hold their own reference
  }
  const std::string& code() const { return spec_->code; }

  /// (state, reasons, location, key) of the entry the call would recall (engine::status).
  nb::tuple status(nb::list args, nb::dict options) const {
    CallArgs call_args = to_call_args(args);
    CallOptions call_options = call_options_from(options);
    std::shared_ptr<const FunctionSpec> spec = spec_;
    engine::EntryStatus s;
    {
      nb::gil_scoped_release nogil;
      s = engine::status(*spec, std::move(call_args), call_options);
    }
    return nb::make_tuple(s.state, s.reasons, s.location, s.key, s.entry_id, s.input_missing);
  }

  /// Records the current code as equivalent for the call's entry (engine::bless).
  bool bless(nb::list args, nb::dict options) const {
    CallArgs call_args = to_call_args(args);
    CallOptions call_options = call_options_from(options);
    std::shared_ptr<const FunctionSpec> spec = spec_;
    nb::gil_scoped_release nogil;
    return engine::bless(*spec, std::move(call_args), call_options);
  }

  /// (backend, created) of the entry the call would recall where it writes (backend
  /// "null" for a null entry), or None (engine::stored_entry).
  nb::object stored_entry(nb::list args, nb::dict options) const {
    CallArgs call_args = to_call_args(args);
    CallOptions call_options = call_options_from(options);
    std::optional<engine::StoredEntry> entry;
    std::shared_ptr<const FunctionSpec> spec = spec_;
    {
      nb::gil_scoped_release nogil;
      entry = engine::stored_entry(*spec, std::move(call_args), call_options);
    }
    if (!entry) return nb::none();
    return nb::make_tuple(entry->backend, entry->created);
  }

  /// The URL of the manifests' folder where the call writes (engine::metadata_url).
  std::string metadata_url(nb::list args, nb::dict options) const {
    CallArgs call_args = to_call_args(args);
    CallOptions call_options = call_options_from(options);
    std::shared_ptr<const FunctionSpec> spec = spec_;
    nb::gil_scoped_release nogil;
    return engine::metadata_url(*spec, std::move(call_args), call_options);
  }

  /// Removes that entry, or its null entry; whether there was one (engine::remove).
  bool remove(nb::list args, nb::dict options, bool null_entry) const {
    CallArgs call_args = to_call_args(args);
    CallOptions call_options = call_options_from(options);
    std::shared_ptr<const FunctionSpec> spec = spec_;
    nb::gil_scoped_release nogil;
    return engine::remove(*spec, std::move(call_args), call_options, null_entry);
  }

  /// Calls through the cache; `compute` is called (with the GIL) on a miss. Returns the
  /// result, or the payload's URL when filepath_only is set.
  nb::object call(nb::list args, nb::dict options, nb::object compute) const {
    CallArgs call_args = to_call_args(args);
    CallOptions call_options = call_options_from(options);
    std::shared_ptr<const FunctionSpec> spec = spec_;
    auto run = [&]() -> Boxed {
      nb::gil_scoped_acquire gil;
      return box(compute());
    };
    if (call_options.filepath_only) {
      std::string where;
      {
        nb::gil_scoped_release nogil;
        where = engine::uri(*spec, std::move(call_args), call_options, run);
      }
      return nb::str(where.data(), where.size());
    }
    Boxed out;
    {
      nb::gil_scoped_release nogil;
      out = engine::call(*spec, std::move(call_args), call_options, run);
    }
    return unbox(out);
  }

 private:
  /// Arguments that cannot be turned into Values are named as unkeyable (the engine warns
  /// and turns caching off when they key the entry).
  CallArgs to_call_args(nb::list args) const {
    CallArgs out;
    std::size_t i = 0;
    for (nb::handle a : args) {
      try {
        out.values.push_back(to_value(a));
      } catch (const nb::builtin_exception&) {
        out.values.emplace_back();
        out.unkeyable.push_back(i < spec_->params.size() ? spec_->params[i] : std::to_string(i));
      } catch (const nb::python_error&) {
        out.values.emplace_back();
        out.unkeyable.push_back(i < spec_->params.size() ? spec_->params[i] : std::to_string(i));
      }
      ++i;
    }
    return out;
  }

  std::shared_ptr<const FunctionSpec> spec_;
};

ParamOptions param_options(const std::string& location, const std::optional<std::string>& backend,
                           bool secret) {
  return ParamOptions{location, backend.value_or(""), secret};
}

/// A captured nested-call context, entered with `with`.
class Context {
 public:
  Context() : context_(CallContext::capture()) {}
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  void enter() { scopes_.push_back(std::make_unique<CallContext::Scope>(context_)); }
  void exit() {
    if (!scopes_.empty()) scopes_.pop_back();
  }

 private:
  CallContext context_;
  std::vector<std::unique_ptr<CallContext::Scope>> scopes_;
};

void register_errors(nb::module_& m) {
  static nb::exception<Error> error(m, "NuthatchError");
  static nb::exception<ConfigError> config(m, "ConfigError", error);
  static nb::exception<StorageError> storage(m, "StorageError", error);
  static nb::exception<CodecError> codec(m, "CodecError", error);
  static nb::exception<KeyError> key(m, "CacheKeyError", error);
  // Also a RuntimeError: what the original Nuthatch raises when a strict mode or
  // fail_if_no_cache finds no entry.
  static nb::exception<CacheMissError> miss(
      m, "CacheMissError", nb::make_tuple(error, nb::handle(PyExc_RuntimeError)));
  // Also a ValueError: the original Nuthatch raises ValueError when data fails validation.
  static nb::exception<ValidationError> validation(
      m, "ValidationError", nb::make_tuple(error, nb::handle(PyExc_ValueError)));
  static nb::exception<StaleEntryError> stale(m, "StaleEntryError", error);
}

}  // namespace
}  // namespace nuthatch::python

NB_MODULE(_core, m) {
  using namespace nuthatch;
  using namespace nuthatch::python;
  m.doc() = "nuthatch's C++ engine (use the `nuthatch` package, not this module)";
  m.attr("__engine_version__") = NUTHATCH_VERSION_STRING;
  register_errors(m);

  m.def("set_types", [](nb::object types) {
    type_adapter() = std::make_shared<PyAdapter>(std::move(types));
  }, "Registers the Python type adapter (nuthatch._types).");

  nb::class_<Function>(m, "Function")
      .def(nb::init<std::string, std::vector<std::string>, nb::dict, std::string>(),
           nb::arg("name"), nb::arg("params"), nb::arg("options"), nb::arg("code"))
      .def_prop_ro("name", &Function::name)
      .def("call", &Function::call, nb::arg("args"), nb::arg("options"), nb::arg("compute"))
      .def("stored_entry", &Function::stored_entry, nb::arg("args"), nb::arg("options"))
      .def("metadata_url", &Function::metadata_url, nb::arg("args"), nb::arg("options"))
      .def("remove", &Function::remove, nb::arg("args"), nb::arg("options"),
           nb::arg("null_entry"))
      .def("set_code", &Function::set_code, nb::arg("components"))
      .def_prop_ro("code", &Function::code)
      .def("status", &Function::status, nb::arg("args"), nb::arg("options"))
      .def("bless", &Function::bless, nb::arg("args"), nb::arg("options"));

  m.def("set_parameter", [](const std::string& name, nb::handle value, const std::string& location,
                            std::optional<std::string> backend, bool secret) {
    Value v = to_value(value);
    nb::gil_scoped_release nogil;
    set_parameter(name, std::move(v), param_options(location, backend, secret));
  }, nb::arg("name"), nb::arg("value"), nb::arg("location") = "root",
     nb::arg("backend") = nb::none(), nb::arg("secret") = false);
  m.def("config_parameter", [](const std::string& name, nb::object provider,
                               const std::string& location, std::optional<std::string> backend,
                               bool secret) {
    auto fn = std::make_shared<PyRef>(std::move(provider));
    nb::gil_scoped_release nogil;
    config_parameter(name, [fn]() -> Value {
      nb::gil_scoped_acquire gil;
      return to_value(fn->object()());
    }, param_options(location, backend, secret));
  }, nb::arg("name"), nb::arg("provider"), nb::arg("location") = "root",
     nb::arg("backend") = nb::none(), nb::arg("secret") = false);
  m.def("get_parameter", [](const std::string& name, const std::string& location,
                            std::optional<std::string> backend) -> nb::object {
    std::optional<Value> v;
    {
      nb::gil_scoped_release nogil;
      v = get_parameter(name, location, backend.value_or(""));
    }
    return v ? from_value(*v) : nb::none();
  }, nb::arg("name"), nb::arg("location") = "root", nb::arg("backend") = nb::none());
  m.def("get_size_parameter", [](const std::string& name, const std::string& location,
                                 std::optional<std::string> backend) {
    nb::gil_scoped_release nogil;
    return get_size_parameter(name, location, backend.value_or(""));
  }, nb::arg("name"), nb::arg("location") = "root", nb::arg("backend") = nb::none(),
     "A size parameter in bytes (an integer, or a text such as \"4GB\"), or None when unset.");
  m.def("reset_config", [] {
    nb::gil_scoped_release nogil;
    reset_config();
  });
  m.def("add_package_config", [](const std::string& package, const std::string& module_file) {
    nb::gil_scoped_release nogil;
    add_package_config(package, module_file);
  }, nb::arg("package"), nb::arg("module_file"),
     "Reads the configuration of the project holding module_file for package's functions "
     "(an installed package's as mirrors: nuthatch::add_package_config).");
  m.def("global_config_path", &global_config_path,
        "The global configuration file (NUTHATCH_GLOBAL_CONFIG, else ~/.nuthatch.toml), "
        "or None (nuthatch::global_config_path).");
  m.def("package_parameter_location", &package_parameter_location, nb::arg("package"),
        nb::arg("module_file"), nb::arg("location"),
        "Where a parameter set by code of package goes: location, a mirror of the package, "
        "or None (nuthatch::package_parameter_location).");
  m.def("format_time_ns", [](std::int64_t ns) { return format_time_ns(ns); },
        "ISO 8601 UTC text of a time point, as the engine renders it in keys.");
  m.def("redact", [](std::string text) { return redact(std::move(text)); });
  m.def(
      "content_digest",
      [](nb::handle data) {
        Py_buffer view;
        if (PyObject_GetBuffer(data.ptr(), &view, PyBUF_SIMPLE) != 0) throw nb::python_error();
        std::string out;
        {
          nb::gil_scoped_release nogil;
          out = content_digest(std::string_view(static_cast<const char*>(view.buf),
                                                static_cast<std::size_t>(view.len)));
        }
        PyBuffer_Release(&view);
        return out;
      },
      nb::arg("data"),
      "The 32 hex digits of xxh3-128 over a contiguous buffer (bytes, or a C-contiguous "
      "numpy array), the GIL released while hashing: how large values enter keys.");
  m.def("legacy_cache_key",
        [](const std::string& function, nb::dict cache_args) -> std::optional<std::string> {
          std::vector<std::pair<std::string, Value>> args;
          for (auto [name, value] : cache_args) {
            args.emplace_back(nb::cast<std::string>(name), to_value(value));
          }
          return legacy_cache_key(function, std::move(args));
        },
        nb::arg("function"), nb::arg("cache_args"),
        "The key the original Nuthatch (0.4) gives these cache arguments, or None.");
  m.def("register_front_end_backend",
        [](const std::string& name, const std::string& extension) {
          register_front_end_backend(name, extension);
        },
        nb::arg("name"), nb::arg("extension"),
        "Registers a backend whose directory payloads Python writes and reads "
        "(nuthatch.backend.register_backend).");
  m.def("clear_memoizer", [] {
    nb::gil_scoped_release nogil;
    clear_memoizer();
  });
  // {memo key: bytes} of the memoizer's "local" or "remote" pool.
  m.def("memoized_sizes", [](const std::string& pool) {
    if (pool != "local" && pool != "remote") {
      throw ConfigError("memoizer pool '" + pool + "' is not 'local' or 'remote'");
    }
    nb::dict out;
    for (const auto& [key, bytes] :
         memoized_sizes(pool == "local" ? MemoryPool::local : MemoryPool::remote)) {
      out[nb::str(key.data(), key.size())] = bytes;
    }
    return out;
  });

  nb::class_<Context>(m, "CallContext")
      .def(nb::init<>())
      .def("__enter__", [](Context& c) { c.enter(); return &c; }, nb::rv_policy::reference)
      .def("__exit__", [](Context& c, nb::args) { c.exit(); });

  bind_zarr(m);
  bind_zarr_reader(m);
  bind_payload(m);
  bind_timeseries(m);
  bind_prompt(m);
  bind_log(m);
}
