// The cache key of the original Nuthatch (0.4), computed the original's way, so that caches
// it wrote can be found from a call's arguments (DESIGN §2 "Cache key" is this project's
// own key; this is the other one).
//
// The original renders each cache argument with Python's str(), in the order of the
// sorted argument names, and joins them with '_' after `<name>/`:
//   - None, True, False -> "None", "True", "False"; ints in decimal; floats as repr();
//     strings as they are;
//   - a list (or tuple, set) contributes the str() of each element, sorted, as separate
//     values; a dict contributes "<key>-<value>" for each item, sorted;
//   - a value whose text is longer than 200 characters makes the original refuse the call
//     (it never caches it), so no legacy entry can exist: no key.
// A container inside a list or dict would be rendered with Python's repr() of containers,
// and bytes as b'...': they give no key here (rare in keys; documented).

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/float_repr.hpp"
#include "nuthatch/keys.hpp"

namespace nuthatch {
namespace {

constexpr std::size_t kMaxLegacyValueChars = 200;

// str() of a scalar; containers and bytes have no text here.
std::optional<std::string> python_str(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::null:
      return "None";
    case Value::Kind::boolean:
      return v.as<bool>() ? "True" : "False";
    case Value::Kind::integer:
      return std::to_string(v.as<std::int64_t>());
    case Value::Kind::floating:
      return python_float_repr(v.as<double>());
    case Value::Kind::string:
      return v.string_ref();
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<std::string> legacy_cache_key(
    std::string_view function, std::vector<std::pair<std::string, Value>> cache_args) {
  std::sort(cache_args.begin(), cache_args.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> flat;
  for (const auto& [name, value] : cache_args) {
    std::vector<std::string> parts;
    if (value.is_array()) {
      for (const Value& item : value.array_items()) {
        std::optional<std::string> text = python_str(item);
        if (!text) return std::nullopt;
        parts.push_back(std::move(*text));
      }
      std::sort(parts.begin(), parts.end());
    } else if (value.is_object()) {
      for (const auto& [k, item] : value.members()) {
        std::optional<std::string> text = python_str(item);
        if (!text) return std::nullopt;
        parts.push_back(k + "-" + *text);
      }
      std::sort(parts.begin(), parts.end());
    } else {
      std::optional<std::string> text = python_str(value);
      if (!text) return std::nullopt;
      parts.push_back(std::move(*text));
    }
    for (std::string& p : parts) {
      // The original counts characters; UTF-8 continuation bytes are not characters.
      const auto chars = std::count_if(p.begin(), p.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      });
      if (static_cast<std::size_t>(chars) > kMaxLegacyValueChars) return std::nullopt;
      flat.push_back(std::move(p));
    }
  }
  std::string key(function);
  key += '/';
  for (std::size_t i = 0; i < flat.size(); ++i) {
    if (i > 0) key += '_';
    key += flat[i];
  }
  return key;
}

std::string migrated_key(std::string_view legacy_key) {
  const std::size_t slash = legacy_key.find('/');
  const std::string_view function = legacy_key.substr(0, slash);
  const std::string_view text =
      slash == std::string_view::npos ? std::string_view() : legacy_key.substr(slash + 1);
  return make_key(function, {{std::string(kMigratedArg), Value(std::string(text))}});
}

}  // namespace nuthatch
