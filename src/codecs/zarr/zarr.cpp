// nuthatch::zarr::write / read on a URL, and the `zarr` backend of the cache.

#include "nuthatch/zarr.hpp"

#include "codecs/zarr/group.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {

void write(const Dataset& dataset, std::string url, WriteOptions options) {
  StoragePtr storage = StorageRegistry::open(url);
  write_group(dataset, *storage, "", options);
}

MissingChunks parse_missing_chunks(std::string_view name) {
  if (name == "fill") return MissingChunks::fill;
  if (name == "error") return MissingChunks::error;
  throw ConfigError("missing_chunks '" + std::string(name) + "' is not one of \"fill\", \"error\"");
}

Dataset read(std::string url) { return read(std::move(url), ReadOptions{}); }

Dataset read(std::string url, ReadOptions options) {
  StoragePtr storage = StorageRegistry::open(url);
  return read_group(*storage, "", nullptr, options);
}

Dataset read(std::string url, const Selection& selection) {
  return read(std::move(url), selection, ReadOptions{});
}

Dataset read(std::string url, const Selection& selection, ReadOptions options) {
  StoragePtr storage = StorageRegistry::open(url);
  return read_group(*storage, "", &selection, options);
}

namespace {

WriteOptions options_from(const Value& kwargs) {
  WriteOptions options;
  if (!kwargs.is_object()) return options;
  try {
    if (const Value* f = kwargs.find("zarr_format"); f && !f->is_null()) {
      options.zarr_format = f->as<int>();
    }
    if (const Value* c = kwargs.find("consolidated"); c && !c->is_null()) {
      options.consolidated = c->as<bool>();
    }
  } catch (const KeyError& e) {
    throw ConfigError(std::string("zarr backend kwargs: ") + e.what());
  }
  return options;
}

/// Read options from backend kwargs: `missing_chunks` ("fill" when absent or null).
ReadOptions read_options_from(const Value& kwargs) {
  ReadOptions options;
  if (!kwargs.is_object()) return options;
  const Value* missing = kwargs.find("missing_chunks");
  if (missing == nullptr || missing->is_null()) return options;
  if (!missing->is_string()) {
    throw ConfigError("zarr backend kwargs: missing_chunks " + missing->to_string() +
                      " is not one of \"fill\", \"error\"");
  }
  try {
    options.missing_chunks = parse_missing_chunks(missing->string_ref());
  } catch (const ConfigError& e) {
    throw ConfigError(std::string("zarr backend kwargs: ") + e.what());
  }
  return options;
}

/// The `zarr` backend: a Dataset as a Zarr group under the entry's payload folder.
class ZarrCodec final : public Codec {
 public:
  std::string_view name() const override { return "zarr"; }
  std::string_view extension() const override { return ".zarr"; }
  const std::type_info& stored_type() const override { return typeid(Dataset); }
  bool single_file() const override { return false; }

  std::uint64_t write_tree(const Boxed& value, Storage& storage, const std::string& path,
                           const Value& kwargs) const override {
    if (value.type() != typeid(Dataset)) {
      throw CodecError("backend zarr stores nuthatch::Dataset values");
    }
    return write_group(value.as<Dataset>(), storage, path, options_from(kwargs));
  }

  /// A recalled dataset equals the one the function returned: the storage details
  /// read_group puts in each variable's encoding are the cache's business, not the value's.
  /// kwargs `missing_chunks` ("fill" | "error", see ReadOptions) says what a missing
  /// chunk means.
  Boxed read_tree(Storage& storage, const std::string& path, const Value& kwargs) const override {
    return recalled(read_group(storage, path, nullptr, read_options_from(kwargs)));
  }

  /// Only the chunks along range.dim that the range touches.
  Boxed read_tree(Storage& storage, const std::string& path, const Value& kwargs,
                  const CoordinateRange& range) const override {
    return recalled(read_group(storage, path, range, read_options_from(kwargs)));
  }

 private:
  static Boxed recalled(Dataset ds) {
    for (auto& [name, var] : ds.variables) var.encoding = Value::object();
    return Boxed::make(std::move(ds));
  }
};

const CodecRegistrar kZarr(std::make_shared<ZarrCodec>());

}  // namespace
}  // namespace nuthatch::zarr
