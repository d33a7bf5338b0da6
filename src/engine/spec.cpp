#include <fmt/format.h>

#include <algorithm>

#include "common/hash.hpp"
#include "nuthatch/cache.hpp"

namespace nuthatch::detail {

void throw_backend_mismatch(const Codec& codec, const std::type_info& stored,
                            const std::type_info& result) {
  throw ConfigError(fmt::format("backend '{}' stores {}, but results of type {} convert to {}",
                                codec.name(), type_name(codec.stored_type()), type_name(result),
                                type_name(stored)));
}

void throw_null_for_non_optional(const std::type_info& result) {
  throw CodecError(fmt::format("the entry is a null entry, but the function returns {}; declare "
                               "it to return std::optional<{}>",
                               type_name(result), type_name(result)));
}

namespace {

// C++ cannot read a function's source: its components are the version and the
// code_version the user sets (e.g. a build-time hash of the source file).
CodeFingerprint cxx_fingerprint(const CacheOptions& options) {
  CodeFingerprint f;
  f.components["version"] = options.version;
  if (!options.code_version.empty()) f.components["code_version"] = options.code_version;
  f.digest = "cxx:" + fingerprint_digest(f.components);
  return f;
}

}  // namespace

std::shared_ptr<const FunctionSpec> make_spec(std::string name, std::vector<std::string> params,
                                              CacheOptions options,
                                              std::shared_ptr<const ResultAdapter> adapter,
                                              std::string code, std::size_t arity) {
  validate_function_name(name);
  if (params.size() != arity) {
    throw ConfigError(fmt::format("cached function {} takes {} argument(s) but {} name(s) were "
                                  "given",
                                  name, arity, params.size()));
  }
  for (const auto& a : options.cache_args) {
    if (std::find(params.begin(), params.end(), a) == params.end()) {
      throw ConfigError(fmt::format("cache argument '{}' is not an argument of {} (arguments: {})",
                                    a, name, fmt::join(params, ", ")));
    }
  }
  for (const auto& rule : options.cache_disable_if) {
    for (const auto& [a, values] : rule) {
      if (std::find(params.begin(), params.end(), a) == params.end()) {
        throw ConfigError(fmt::format("cache_disable_if names '{}', not an argument of {}", a, name));
      }
    }
  }
  if (!options.ns.empty()) validate_namespace(options.ns);
  auto spec = std::make_shared<FunctionSpec>();
  spec->name = std::move(name);
  spec->params = std::move(params);
  spec->options = std::move(options);
  spec->adapter = std::move(adapter);
  if (code.empty()) {  // a C++ function (front ends give theirs)
    CodeFingerprint f = cxx_fingerprint(spec->options);
    spec->code = std::move(f.digest);
    spec->code_components = std::move(f.components);
  } else {
    spec->code = std::move(code);
  }
  return spec;
}

}  // namespace nuthatch::detail

namespace nuthatch {

std::string fingerprint_digest(const std::map<std::string, std::string>& components) {
  std::string text;
  for (const auto& [name, hash] : components) {
    if (name.starts_with("package ")) continue;  // listed, never part of the digest
    text += name;
    text += '\0';
    text += hash;
    text += '\n';
  }
  return xxh3_128_hex(text).substr(0, 32);
}

}  // namespace nuthatch
