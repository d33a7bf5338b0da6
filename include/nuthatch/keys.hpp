#pragma once
/// Argument values -> nh::Value -> cache keys (DESIGN §2).
///
/// `to_value(const T&)` is the customisation point for argument types: built in for
/// arithmetic types, bool, strings, Value, Bytes, std::vector, std::map<std::string, T>,
/// std::optional, enums (their underlying integer) and std::chrono::system_clock time
/// points (ISO 8601 UTC). Add an overload in your type's namespace (found by ADL).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "nuthatch/value.hpp"

namespace nuthatch {

inline Value to_value(const Value& v) { return v; }
inline Value to_value(const std::string& s) { return Value(s); }
inline Value to_value(std::string_view s) { return Value(s); }
inline Value to_value(const char* s) { return Value(s); }
inline Value to_value(const Bytes& b) { return Value(b); }
template <class T>
  requires std::is_arithmetic_v<T>
Value to_value(T v) {
  return Value(v);
}
template <class T>
  requires std::is_enum_v<T>
Value to_value(T v) {
  return Value(static_cast<std::underlying_type_t<T>>(v));
}
/// ISO 8601 UTC text of a time point: "2013-01-01T00:00:00Z", with fractional seconds
/// only when non-zero.
std::string format_time_ns(std::int64_t ns_since_epoch);
template <class Duration>
Value to_value(const std::chrono::time_point<std::chrono::system_clock, Duration>& t) {
  return Value(format_time_ns(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count()));
}
template <class T>
Value to_value(const std::optional<T>& v) {
  if (!v) return Value();
  return to_value(*v);
}
template <class T, class A>
Value to_value(const std::vector<T, A>& v) {
  Value::Array out;
  out.reserve(v.size());
  for (const auto& e : v) out.push_back(to_value(e));
  return Value(std::move(out));
}
template <class T, class C, class A>
Value to_value(const std::map<std::string, T, C, A>& m) {
  Value::Members out;
  out.reserve(m.size());
  for (const auto& [k, e] : m) out.emplace_back(k, to_value(e));
  return Value(std::move(out));
}

/// Longest key segment kept readable; longer ones become `<arg>=~<xxh3-128 hex>`.
inline constexpr std::size_t kMaxSegmentBytes = 100;

/// Canonical text of a value in a key: ints in decimal, floats as Python's repr
/// (shortest round-trip, "1.0"), bools true / false, null, strings as they are, lists and
/// maps JSON-like in their own order.
std::string render_key_value(const Value& v);

/// The 32 hex digits of xxh3-128 over `bytes`: how values too large to render (an array's
/// or a table's contents) enter a key, as a digest inside their canonical form (the
/// Python package keys numpy arrays, pandas and xarray objects by it).
std::string content_digest(std::string_view bytes);

/// `<arg>=<percent-encoded value>`, hashed when longer than kMaxSegmentBytes.
std::string key_segment(std::string_view arg, const Value& v);

/// `<name>/<arg>=<value>/...` over `args` sorted by argument name. Throws KeyError when
/// the function name is not valid.
std::string make_key(std::string_view function,
                     std::vector<std::pair<std::string, Value>> args);

/// Name of the last segment of a local-level key: `~args=<32 hex>`. Argument names start
/// with a letter or '_', so this segment can never be taken for an argument's segment.
inline constexpr std::string_view kOtherArgsSegment = "~args";

/// The key of the local level (and the memoizer): `cache_key` followed by one segment
/// `~args=<32 hex of xxh3-128>` over the canonical text of `other_args` (the arguments that
/// are not cache arguments, as one map sorted by name: render_key_value of
/// `{"<arg>":<value>,...}`, where strings are quoted, so 1 and "1" differ), or `cache_key`
/// itself when `other_args` is empty. Their values never appear in the key, and distinct
/// values give distinct keys. Throws KeyError for an invalid or repeated argument name.
std::string local_key(std::string_view cache_key,
                      std::vector<std::pair<std::string, Value>> other_args);

/// The key the original Nuthatch (0.4) gives a call: `<function>/` followed by the str()
/// of each cache argument's value, in the order of the sorted argument names, joined by
/// '_' (a list contributes its elements' texts, sorted; a map `<key>-<value>` per member,
/// sorted). Used to find caches the original wrote. nullopt when the original would not
/// have cached the call (a text over 200 characters) or the values hold what this rule
/// does not render (bytes, containers inside containers).
std::optional<std::string> legacy_cache_key(
    std::string_view function, std::vector<std::pair<std::string, Value>> cache_args);

/// The argument that keys an entry migrated from the original's layout (nuthatch migrate).
inline constexpr std::string_view kMigratedArg = "nuthatch_0_4";

/// The key under which `nuthatch migrate` files the original's entry `legacy_key`
/// (`<function>/<text>`): `<function>/nuthatch_0_4=<text>` (make_key: the text rendered
/// and encoded like any string value). The original records no argument names or types,
/// so its entries cannot be given the key a call computes; a call finds them under this
/// key, from legacy_cache_key of its arguments. Throws KeyError when the function part is
/// not a valid function name.
std::string migrated_key(std::string_view legacy_key);

/// Throws KeyError unless `ns` is a valid namespace ([A-Za-z0-9][A-Za-z0-9._-]{0,99}).
void validate_namespace(std::string_view ns);
/// Throws KeyError unless `name` is a valid function name
/// ([A-Za-z_][A-Za-z0-9_.-]{0,199}).
void validate_function_name(std::string_view name);

}  // namespace nuthatch
