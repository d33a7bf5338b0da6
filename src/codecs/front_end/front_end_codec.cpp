// Backends whose payloads a front end writes and reads itself: the Python package's
// `register_backend` plugs in classes written for the original Nuthatch, which write their
// own files with fsspec. The engine keeps everything else about their entries (keys,
// manifests, the commit protocol, overwrite policy, retirement): each entry gets a
// directory payload, `<backend>-<entry_id><extension>/`, that the front end fills while the
// commit is pending and opens when the entry is recalled. C++ has no reader for it, so a
// C++ decode is a CodecError naming the backend; listing, deleting and `gc` need no codec
// (they handle a payload by its path, as for any backend).
//
// The package's own `delta` backend (Delta Lake tables, written and read by the Python
// package with the delta-rs binding) is one of these, registered here so that every build
// knows its name and extension. Unlike a user's backend class, reading it runs no code of
// the store's, so mirrors hand its entries over without `trust_pickle`.

#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>

#include "codecs/front_end/front_end_codec.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch {
namespace {

const CodecRegistrar kDelta(std::make_shared<FrontEndCodec>("delta", ".delta", false,
                                                          "with the deltalake package"));

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool valid_extension(std::string_view ext) {
  if (ext.size() < 2 || ext.size() > 17 || ext.front() != '.') return false;
  for (char c : ext.substr(1)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

}  // namespace

void register_front_end_backend(std::string_view name, std::string_view extension) {
  if (!valid_name(name)) {
    throw ConfigError("front-end backend name '" + std::string(name) +
                      "': use 1 to 64 of a-z, 0-9 and _ (it is part of payload paths)");
  }
  if (!valid_extension(extension)) {
    throw ConfigError("front-end backend '" + std::string(name) + "': extension '" +
                      std::string(extension) + "' must be '.' and 1 to 16 of a-z, 0-9");
  }
  // Registered again (a module reloaded, a class redefined, two threads at once): the
  // same backend, nothing to do.
  auto same = [&] {
    const Codec* existing = CodecRegistry::find(name);
    // Exactly a registered class's codec: the package's own front-end backends (sql,
    // terracotta) are other kinds.
    return existing != nullptr && typeid(*existing) == typeid(FrontEndCodec) &&
           existing->extension() == extension;
  };
  if (same()) return;
  if (CodecRegistry::find(name) == nullptr) {
    try {
      CodecRegistry::add(std::make_shared<FrontEndCodec>(name, extension, true,
                                                         "a backend class registered there"));
      return;
    } catch (const ConfigError&) {
      if (same()) return;
    }
  }
  throw ConfigError("backend '" + std::string(name) +
                    "' is already registered (as another kind of backend or with another "
                    "extension); choose another name");
}

}  // namespace nuthatch
