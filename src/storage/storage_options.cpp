#include "storage/storage_options.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "common/strings.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch {

std::optional<std::string> env_var(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

const Value* OptionReader::find(std::string_view name) const {
  return options_.is_object() ? options_.find(name) : nullptr;
}

std::optional<std::string> OptionReader::text(std::string_view name) const {
  const Value* v = find(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) fail(name, "a string");
  return v->as<std::string>();
}

std::optional<bool> OptionReader::boolean(std::string_view name) const {
  const Value* v = find(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_bool()) return v->as<bool>();
  if (v->is_string()) {
    const std::string s = to_lower(v->as<std::string>());
    if (s == "true" || s == "1" || s == "yes") return true;
    if (s == "false" || s == "0" || s == "no") return false;
  }
  fail(name, "a boolean");
}

std::optional<std::uint64_t> OptionReader::count(std::string_view name) const {
  const Value* v = find(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_int() && v->as<std::int64_t>() > 0) return v->as<std::uint64_t>();
  if (v->is_string()) {
    const std::optional<std::uint64_t> n = parse_uint(v->as<std::string>());
    if (n && *n > 0) return *n;
  }
  fail(name, "a positive integer");
}

void OptionReader::fail(std::string_view name, std::string_view expected) const {
  throw ConfigError("filesystem_options." + std::string(name) + " of '" + url_ + "' must be " +
                    std::string(expected));
}

}  // namespace nuthatch
