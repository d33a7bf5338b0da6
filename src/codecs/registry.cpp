// The codec registry and the defaults of the Codec interface. Codecs add themselves from
// static registrars in their own translation units, possibly before main() and in any
// order, so the table lives in a function-local static that is built on first use.

#include <map>
#include <mutex>
#include <string>

#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, CodecPtr, std::less<>> codecs;
};

Registry& registry() {
  static Registry r;
  return r;
}

std::string joined_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out.empty() ? "none" : out;
}

}  // namespace

std::string Codec::encode(const Boxed& value, const Value& kwargs) const {
  throw CodecError("backend " + std::string(name()) + " is not a single-file codec");
}

Boxed Codec::decode(std::string_view bytes, const Value& kwargs) const {
  throw CodecError("backend " + std::string(name()) + " is not a single-file codec");
}

std::uint64_t Codec::write_tree(const Boxed& value, Storage& storage, const std::string& path,
                                const Value& kwargs) const {
  throw CodecError("backend " + std::string(name()) + " does not write trees");
}

Boxed Codec::read_tree(Storage& storage, const std::string& path, const Value& kwargs) const {
  throw CodecError("backend " + std::string(name()) + " does not read trees");
}

Boxed Codec::read_tree(Storage& storage, const std::string& path, const Value& kwargs,
                       const CoordinateRange&) const {
  return read_tree(storage, path, kwargs);
}

void CodecRegistry::add(CodecPtr codec) {
  if (!codec) throw ConfigError("cannot register a null codec");
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::string name(codec->name());
  auto [it, inserted] = r.codecs.emplace(name, std::move(codec));
  if (!inserted) throw ConfigError("backend '" + name + "' is registered twice");
}

const Codec& CodecRegistry::get(std::string_view name) {
  if (const Codec* codec = find(name)) return *codec;
  throw ConfigError("unknown backend '" + std::string(name) + "' (available: " +
                    joined_names(names()) + ")");
}

const Codec* CodecRegistry::find(std::string_view name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.codecs.find(name);
  // Codecs are never removed, so the pointer stays valid after the lock is released.
  return it == r.codecs.end() ? nullptr : it->second.get();
}

std::vector<std::string> CodecRegistry::names() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> out;
  out.reserve(r.codecs.size());
  for (const auto& [name, codec] : r.codecs) out.push_back(name);
  return out;
}

}  // namespace nuthatch
