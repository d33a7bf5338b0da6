#include "py_adapter.hpp"

#include <nanobind/stl/string.h>

#include "py_dataset.hpp"
#include "py_value.hpp"

namespace nuthatch::python {

std::string PyAdapter::backend_for(const Boxed& result) const {
  nb::gil_scoped_acquire gil;
  return nb::cast<std::string>(types_->object().attr("backend_for")(unbox(result)));
}

Boxed PyAdapter::to_stored(const Boxed& result, const Codec& codec) const {
  nb::gil_scoped_acquire gil;
  const std::string backend(codec.name());
  nb::object plain = types_->object().attr("encode")(unbox(result), backend);
  const std::type_info& stored = codec.stored_type();
  if (stored == typeid(Value)) return Boxed::make(to_value(plain));
  if (stored == typeid(Bytes)) {
    if (!nb::isinstance<nb::bytes>(plain)) {
      throw CodecError("backend '" + backend + "' stores bytes; the Python encoder returned " +
                       std::string(nb::type_name(plain.type()).c_str()));
    }
    nb::bytes b = nb::borrow<nb::bytes>(plain);
    return Boxed::make(Bytes(b.c_str(), b.size()));
  }
  if (stored == typeid(Dataset)) return Boxed::make(dataset_from_py(plain));
  throw CodecError("backend '" + backend + "' stores " + type_name(stored) +
                   ", which Python results cannot be converted to");
}

Boxed PyAdapter::from_stored(const Boxed& stored, const Codec& codec,
                             const std::string& engine) const {
  nb::gil_scoped_acquire gil;
  nb::object plain;
  if (const Value* v = stored.get<Value>()) {
    plain = from_value(*v);
  } else if (const Bytes* b = stored.get<Bytes>()) {
    plain = nb::bytes(b->view().data(), b->size());
  } else if (const Dataset* d = stored.get<Dataset>()) {
    plain = dataset_to_py(*d);
  } else {
    throw CodecError("backend '" + std::string(codec.name()) + "' returned " +
                     type_name(stored.type()) + ", which has no Python form");
  }
  return box(types_->object().attr("decode")(plain, std::string(codec.name()), engine));
}

namespace {

/// The entry a payload is, for the Python adapters (Target.entry).
nb::dict entry_of(const PayloadLocation& payload) {
  nb::dict entry;
  entry["location"] = payload.location;
  entry["namespace"] = payload.ns;
  entry["key"] = payload.key;
  entry["entry_id"] = payload.entry_id;
  return entry;
}

}  // namespace

std::optional<Boxed> PyAdapter::open(const PayloadLocation& payload, const Codec& codec,
                                     const std::string& engine, const Value& kwargs) const {
  nb::gil_scoped_acquire gil;
  nb::object opened = types_->object().attr("open_payload")(
      payload.url, from_value(payload.storage_options), std::string(codec.name()), engine,
      payload.missing_chunks, from_value(kwargs), entry_of(payload));
  if (opened.is_none()) return std::nullopt;
  return box(std::move(opened));
}

std::optional<std::uint64_t> PyAdapter::write(const Boxed& result, const Codec& codec,
                                              const PayloadLocation& payload,
                                              const Value& kwargs) const {
  nb::gil_scoped_acquire gil;
  nb::object bytes = types_->object().attr("write_payload")(
      unbox(result), std::string(codec.name()), payload.url, from_value(payload.storage_options),
      from_value(kwargs), entry_of(payload));
  if (bytes.is_none()) return std::nullopt;
  return nb::cast<std::uint64_t>(bytes);
}

std::size_t PyAdapter::memory_size(const Boxed& result) const {
  nb::gil_scoped_acquire gil;
  return nb::cast<std::size_t>(types_->object().attr("memory_size")(unbox(result)));
}

MemoryPool PyAdapter::memory_pool(const Boxed& result) const {
  nb::gil_scoped_acquire gil;
  const std::string pool =
      nb::cast<std::string>(types_->object().attr("memory_pool")(unbox(result)));
  return pool == "remote" ? MemoryPool::remote : MemoryPool::local;
}

Boxed PyAdapter::for_memory(const Boxed& result) const {
  nb::gil_scoped_acquire gil;
  return box(types_->object().attr("for_memory")(unbox(result)));
}

Boxed PyAdapter::upsert(const Boxed& stored, const Boxed& rows,
                        const std::vector<std::string>& keys) const {
  nb::gil_scoped_acquire gil;
  nb::list names;
  for (const std::string& key : keys) names.append(nb::str(key.c_str()));
  return box(types_->object().attr("upsert")(unbox(stored), unbox(rows), names));
}

bool PyAdapter::returns_written(const Boxed& result) const {
  nb::gil_scoped_acquire gil;
  return nb::cast<bool>(types_->object().attr("returns_written")(unbox(result)));
}

std::string PyProcessor::name() const {
  nb::gil_scoped_acquire gil;
  return nb::cast<std::string>(nb::type_name(processor_->object().type()));
}

namespace {
bool truthy(nb::handle h) {
  int r = PyObject_IsTrue(h.ptr());
  if (r < 0) throw nb::python_error();
  return r == 1;
}
}  // namespace

bool PyProcessor::validate(const Boxed& result, const Arguments&) const {
  nb::gil_scoped_acquire gil;
  const nb::object& p = processor_->object();
  if (!nb::hasattr(p, "validate_data") || !truthy(p.attr("validate_data"))) {
    return true;
  }
  return truthy(p.attr("validate")(unbox(result)));
}

Boxed PyProcessor::post_process(Boxed result, const Arguments&) const {
  nb::gil_scoped_acquire gil;
  return box(processor_->object().attr("post_process")(unbox(result)));
}

std::optional<CoordinateRange> PyProcessor::read_range(const Arguments&) const {
  nb::gil_scoped_acquire gil;
  // (dim, start, stop) with int64-or-None bounds, or None; the conversion of datetimes and
  // ISO strings lives in Python, next to the processors.
  nb::object range =
      nb::module_::import_("nuthatch.processor").attr("core_read_range")(processor_->object());
  if (range.is_none()) return std::nullopt;
  nb::tuple t = nb::cast<nb::tuple>(range);
  CoordinateRange out{.dim = nb::cast<std::string>(t[0])};
  if (!t[1].is_none()) out.start = nb::cast<std::int64_t>(t[1]);
  if (!t[2].is_none()) out.stop = nb::cast<std::int64_t>(t[2]);
  return out;
}

}  // namespace nuthatch::python
