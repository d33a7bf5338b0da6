#pragma once
// The engine's view of Python results (nh::ResultAdapter) and Python processors
// (nh::Processor). Both call into the pure-Python package (nuthatch/_types.py, the
// processor objects) under the GIL; the engine calls them without it.

#include <nanobind/nanobind.h>

#include <memory>
#include <optional>

#include "nuthatch/engine.hpp"
#include "nuthatch/processor.hpp"
#include "py_object.hpp"

namespace nuthatch::python {

namespace nb = nanobind;

/// Results are Python objects; the backend depends on the value. `types` is the Python
/// module nuthatch._types, which asks the backend adapters (nuthatch.backends):
/// backend_for(obj), encode(obj, backend), decode(plain, backend, engine),
/// open_payload(url, storage_options, backend, engine, missing_chunks) (a lazily loaded
/// result, or None to read it), write_payload(obj, backend, url, storage_options, kwargs)
/// (bytes written, or None to store encode()'s form) and memory_size(obj). Plain forms are
/// what the binding turns into stored types (basic: a Value-like object; single-file
/// backends: bytes; parquet: a list of bytes; zarr: the dataset dict of py_dataset.hpp).
class PyAdapter final : public ResultAdapter {
 public:
  explicit PyAdapter(nb::object types) : types_(std::make_shared<PyRef>(std::move(types))) {}
  std::string default_backend() const override { return ""; }
  std::string backend_for(const Boxed& result) const override;
  Boxed to_stored(const Boxed& result, const Codec& codec) const override;
  Boxed from_stored(const Boxed& stored, const Codec& codec,
                    const std::string& engine) const override;
  std::optional<Boxed> open(const PayloadLocation& payload, const Codec& codec,
                            const std::string& engine, const Value& kwargs) const override;
  std::optional<std::uint64_t> write(const Boxed& result, const Codec& codec,
                                     const PayloadLocation& payload,
                                     const Value& kwargs) const override;
  std::size_t memory_size(const Boxed& result) const override;
  /// types.for_memory(obj): a dask-backed result persisted.
  Boxed for_memory(const Boxed& result) const override;
  /// types.memory_pool(obj): "remote" for xarray and dask results, as the original.
  MemoryPool memory_pool(const Boxed& result) const override;
  /// types.returns_written(obj): a dask-backed result.
  bool returns_written(const Boxed& result) const override;
  /// types.upsert(stored, rows, keys): the rows merged into the stored table.
  Boxed upsert(const Boxed& stored, const Boxed& rows,
               const std::vector<std::string>& keys) const override;

 private:
  std::shared_ptr<PyRef> types_;
};

/// A Python processor object (nuthatch.processor.NuthatchProcessor) for one call: its
/// process_arguments has already run in Python; the engine calls validate (when the
/// object's validate_data is true), post_process, and read_range (the object's
/// read_range(), when it has one, with its bounds turned into int64 labels by
/// nuthatch.processor.core_read_range).
class PyProcessor final : public Processor {
 public:
  explicit PyProcessor(nb::object processor)
      : processor_(std::make_shared<PyRef>(std::move(processor))) {}
  std::string name() const override;
  bool validate(const Boxed& result, const Arguments& args) const override;
  Boxed post_process(Boxed result, const Arguments& args) const override;
  std::optional<CoordinateRange> read_range(const Arguments& args) const override;

 private:
  std::shared_ptr<PyRef> processor_;
};

}  // namespace nuthatch::python
