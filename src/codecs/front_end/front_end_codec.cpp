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

#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch {
namespace {

class FrontEndCodec final : public Codec {
 public:
  FrontEndCodec(std::string_view name, std::string_view extension, bool runs_code = true)
      : name_(name), extension_(extension), runs_code_(runs_code) {}

  std::string_view name() const override { return name_; }
  std::string_view extension() const override { return extension_; }
  // What the front end's reader does is not the engine's to know: treat it as code that
  // runs on read, so only trusted locations hand these payloads over (as pickle).
  bool runs_code_on_read() const override { return runs_code_; }
  bool single_file() const override { return false; }
  bool front_end_payload() const override { return true; }
  const std::type_info& stored_type() const override { return typeid(void); }

  std::uint64_t write_tree(const Boxed&, Storage&, const std::string&,
                           const Value&) const override {
    throw unreadable("written");
  }
  Boxed read_tree(Storage&, const std::string&, const Value&) const override {
    throw unreadable("read");
  }

 private:
  CodecError unreadable(std::string_view verb) const {
    return CodecError("backend '" + name_ + "' is " + std::string(verb) +
                      " by the front end, the Python package (" +
                      std::string(runs_code_ ? "a backend class registered there"
                                             : "with the deltalake package") +
                      "), on storage it can reach; the engine itself has no reader or writer "
                      "for it");
  }

  std::string name_;
  std::string extension_;
  bool runs_code_;
};

const CodecRegistrar kDelta(std::make_shared<FrontEndCodec>("delta", ".delta", false));

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
    return existing != nullptr && dynamic_cast<const FrontEndCodec*>(existing) != nullptr &&
           existing->extension() == extension;
  };
  if (same()) return;
  if (CodecRegistry::find(name) == nullptr) {
    try {
      CodecRegistry::add(std::make_shared<FrontEndCodec>(name, extension));
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
