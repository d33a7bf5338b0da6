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

std::string code_fingerprint(const std::type_info& callable, const std::string& version) {
  // C++ cannot see a function's source; the callable's type and the version stand in.
  return "cxx:" + xxh3_128_hex(type_name(callable) + "|" + version).substr(0, 16);
}

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
  spec->code = std::move(code);
  return spec;
}

}  // namespace nuthatch::detail
