#pragma once
// Reading a location's `filesystem_options` (an object Value) in the object-store drivers:
// typed members with messages that name the member and the location, never its value
// (options hold secrets), and environment fallbacks.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "nuthatch/value.hpp"

namespace nuthatch {

/// A non-empty environment variable, or std::nullopt.
std::optional<std::string> env_var(const char* name);

/// Typed access to the members of `filesystem_options` of the location `url`. A missing or
/// null member is std::nullopt; a member of the wrong type is a ConfigError naming it and
/// the location (but not its value).
class OptionReader {
 public:
  OptionReader(const Value& options, std::string_view url) : options_(options), url_(url) {}

  const Value* find(std::string_view name) const;
  std::optional<std::string> text(std::string_view name) const;
  /// true / false, or the strings "true" / "false" / "1" / "0" / "yes" / "no".
  std::optional<bool> boolean(std::string_view name) const;
  /// A positive integer, or a string of digits.
  std::optional<std::uint64_t> count(std::string_view name) const;
  /// count(name), or `fallback` when the member is absent; at most `most`.
  template <class T>
  T count_or(std::string_view name, T fallback,
             std::uint64_t most = std::numeric_limits<std::uint64_t>::max()) const {
    return static_cast<T>(std::min<std::uint64_t>(most, count(name).value_or(fallback)));
  }

  [[noreturn]] void fail(std::string_view name, std::string_view expected) const;

 private:
  const Value& options_;
  std::string url_;
};

}  // namespace nuthatch
