// Non-finite numbers cross nlohmann as placeholder strings: on parse, bare tokens outside
// strings become placeholders that are turned back into doubles; on dump, non-finite
// doubles become placeholders whose quoted form is replaced by the bare token. The
// placeholders start with a control character, which JSON text can only hold escaped,
// so no string of the document can be mistaken for one.

#include "codecs/zarr/zarr_json.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "common/json.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {
namespace {

struct NonFinite {
  std::string_view token;        ///< the bare token Python writes
  std::string_view placeholder;  ///< the string standing for it inside nlohmann
  double value;
};

const std::array<NonFinite, 3>& non_finites() {
  static const std::array<NonFinite, 3> table = {{
      {"-Infinity", "\x01nh:-Infinity", -std::numeric_limits<double>::infinity()},
      {"Infinity", "\x01nh:Infinity", std::numeric_limits<double>::infinity()},
      {"NaN", "\x01nh:NaN", std::numeric_limits<double>::quiet_NaN()},
  }};
  return table;
}

/// The placeholder's JSON form as nlohmann escapes it: "\u0001nh:NaN".
std::string quoted_placeholder(const NonFinite& n) {
  return "\"\\u0001" + std::string(n.placeholder.substr(1)) + "\"";
}

/// `text` with bare non-finite tokens (outside strings) replaced by quoted placeholders.
std::string quote_non_finite(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    bool replaced = false;
    for (const auto& n : non_finites()) {
      if (text.substr(i, n.token.size()) == n.token) {
        out += quoted_placeholder(n);
        i += n.token.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

Value restore_non_finite(Value v) {
  if (v.is_string()) {
    for (const auto& n : non_finites()) {
      if (v.string_ref() == n.placeholder) return Value(n.value);
    }
  } else if (v.is_array()) {
    Value::Array items;
    for (const auto& e : v.array_items()) items.push_back(restore_non_finite(e));
    return Value(std::move(items));
  } else if (v.is_object()) {
    Value::Members members;
    for (const auto& [k, e] : v.members()) members.emplace_back(k, restore_non_finite(e));
    return Value(std::move(members));
  }
  return v;
}

bool has_non_finite(const Value& v) {
  if (v.is_double()) return !std::isfinite(v.as<double>());
  if (v.is_array()) {
    for (const auto& e : v.array_items()) {
      if (has_non_finite(e)) return true;
    }
  } else if (v.is_object()) {
    for (const auto& [k, e] : v.members()) {
      if (has_non_finite(e)) return true;
    }
  }
  return false;
}

Value placeholders_for_non_finite(const Value& v) {
  if (v.is_double()) {
    const double d = v.as<double>();
    if (std::isnan(d)) return Value(std::string(non_finites()[2].placeholder));
    if (std::isinf(d)) return Value(std::string(non_finites()[d > 0 ? 1 : 0].placeholder));
  } else if (v.is_array()) {
    Value::Array items;
    for (const auto& e : v.array_items()) items.push_back(placeholders_for_non_finite(e));
    return Value(std::move(items));
  } else if (v.is_object()) {
    Value::Members members;
    for (const auto& [k, e] : v.members()) {
      members.emplace_back(k, placeholders_for_non_finite(e));
    }
    return Value(std::move(members));
  }
  return v;
}

/// Nesting of JSON metadata accepted (Zarr metadata needs a handful of levels; user
/// attributes some more).
constexpr std::size_t kMaxJsonDepth = 256;

/// The deepest nesting of arrays and objects in `text` (brackets inside strings ignored).
std::size_t nesting_depth(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

void replace_all(std::string& text, const std::string& from, std::string_view to) {
  for (std::size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
}

}  // namespace

Value parse_metadata_json(std::string_view text, std::string_view what) {
  // The parse and the conversions below recurse once per level: bound the nesting first.
  if (nesting_depth(text) > kMaxJsonDepth) {
    throw CodecError(std::string(what) + ": JSON nested deeper than " +
                     std::to_string(kMaxJsonDepth) + " levels");
  }
  if (text.find("NaN") == std::string_view::npos &&
      text.find("Infinity") == std::string_view::npos) {
    return from_json(text, what);
  }
  return restore_non_finite(from_json(quote_non_finite(text), what));
}

std::string dump_metadata_json(const Value& v) {
  if (!has_non_finite(v)) return to_json(v, 2);
  std::string text = to_json(placeholders_for_non_finite(v), 2);
  for (const auto& n : non_finites()) replace_all(text, quoted_placeholder(n), n.token);
  return text;
}

}  // namespace nuthatch::zarr
