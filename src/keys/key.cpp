// Cache keys: `<function>/<arg>=<value>/...` (DESIGN §2).
//
// Invariants that make a key safe to use as a storage path:
//   1. Function names and namespaces are validated, never escaped: they are readable
//      identifiers chosen by the programmer.
//   2. Argument names are identifiers ([A-Za-z_][A-Za-z0-9_]*), so a segment always
//      contains exactly one '=' after a non-empty name and can never be "." or "..".
//   3. Argument values are never rejected: every byte outside [A-Za-z0-9._-] is
//      percent-encoded, so no value can produce '/', NUL or any other separator.
//   4. A segment longer than kMaxSegmentBytes is replaced by `<arg>=~<xxh3-128 hex>` of
//      the rendered value; '~' never appears in an encoded value, so the two forms
//      cannot collide.
//   5. A local key ends in `~args=<xxh3-128 hex>` of the other arguments' canonical text,
//      never in their values (a token passed as an argument stays out of every path).
//      The segment starts with '~', which no argument name can. The text is the map of
//      those arguments sorted by name, rendered as nested values are (strings quoted and
//      escaped), so distinct argument sets, even 1 and "1", give distinct texts.

#include <algorithm>
#include <string>

#include "common/hash.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/keys.hpp"

namespace nuthatch {
namespace {

constexpr std::size_t kMaxNamespaceBytes = 100;
constexpr std::size_t kMaxFunctionNameBytes = 200;
// Keeps a hashed segment well under the 255-byte file name limit of common filesystems.
constexpr std::size_t kMaxArgNameBytes = 200;
// Longest prefix of an invalid name shown in an error message.
constexpr std::size_t kMaxShownBytes = 120;
constexpr char kUpperHex[] = "0123456789ABCDEF";

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
bool is_identifier_start(char c) { return is_alpha(c) || c == '_'; }
bool is_identifier_char(char c) { return is_alnum(c) || c == '_'; }
// The bytes a key keeps as they are; every other byte of a value is percent-encoded.
bool is_unreserved(char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; }

// The name as it appears in messages: printable ASCII as is, other bytes as \xNN.
std::string printable(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < kMaxShownBytes; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\' || c == '\'') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kUpperHex[c >> 4]);
      out.push_back(kUpperHex[c & 0xf]);
    }
  }
  if (s.size() > kMaxShownBytes) out += "...";
  return out;
}

// Throws KeyError unless `name` matches [first_ok][rest_ok]{0,max_bytes-1}; the message
// names what was checked, the value and the first rule it breaks.
void check_name(std::string_view what, std::string_view name, std::size_t max_bytes,
                bool (*first_ok)(char), bool (*rest_ok)(char), std::string_view first_rule,
                std::string_view rest_rule) {
  std::string problem;
  if (name.empty()) {
    problem = "must not be empty";
  } else if (name.size() > max_bytes) {
    problem = "longer than " + std::to_string(max_bytes) + " characters";
  } else if (!first_ok(name.front())) {
    problem = "must start with " + std::string(first_rule);
  } else {
    auto bad = std::find_if_not(name.begin(), name.end(), rest_ok);
    if (bad != name.end()) {
      problem = "character '" + printable(std::string_view(&*bad, 1)) +
                "' is not allowed (use " + std::string(rest_rule) + ")";
    }
  }
  if (!problem.empty()) {
    throw KeyError("invalid " + std::string(what) + " '" + printable(name) + "': " + problem);
  }
}

void validate_arg_name(std::string_view arg) {
  check_name("argument name", arg, kMaxArgNameBytes, is_identifier_start, is_identifier_char,
             "a letter or '_'", "letters, digits and '_'");
}

std::string percent_encode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (is_unreserved(c)) {
      out.push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kUpperHex[b >> 4]);
      out.push_back(kUpperHex[b & 0xf]);
    }
  }
  return out;
}

// Sorts `args` by name; throws KeyError naming `function` when a name is given twice.
void sort_arguments(std::string_view function, std::vector<std::pair<std::string, Value>>& args) {
  std::sort(args.begin(), args.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  auto duplicate = std::adjacent_find(
      args.begin(), args.end(), [](const auto& a, const auto& b) { return a.first == b.first; });
  if (duplicate != args.end()) {
    throw KeyError("invalid arguments for '" + std::string(function) + "': argument '" +
                   printable(duplicate->first) + "' is given twice");
  }
}

}  // namespace

// The canonical text is Value's own (common/value_text.cpp), so a value prints in a
// message as it reads in a key.
std::string render_key_value(const Value& v) { return v.to_string(); }

std::string content_digest(std::string_view bytes) { return xxh3_128_hex(bytes); }

void validate_namespace(std::string_view ns) {
  check_name("namespace", ns, kMaxNamespaceBytes, is_alnum, is_unreserved,
             "a letter or digit", "letters, digits, '.', '_' and '-'");
}

void validate_function_name(std::string_view name) {
  check_name("function name", name, kMaxFunctionNameBytes, is_identifier_start,
             is_unreserved, "a letter or '_'", "letters, digits, '.', '_' and '-'");
}

std::string key_segment(std::string_view arg, const Value& v) {
  validate_arg_name(arg);
  const std::string rendered = render_key_value(v);
  std::string segment(arg);
  segment.push_back('=');
  segment += percent_encode(rendered);
  if (segment.size() <= kMaxSegmentBytes) return segment;
  segment.resize(arg.size() + 1);
  segment.push_back('~');
  segment += xxh3_128_hex(rendered);
  return segment;
}

std::string make_key(std::string_view function,
                     std::vector<std::pair<std::string, Value>> args) {
  validate_function_name(function);
  sort_arguments(function, args);
  std::string key(function);
  for (const auto& [arg, value] : args) {
    key.push_back('/');
    key += key_segment(arg, value);
  }
  return key;
}

std::string local_key(std::string_view cache_key,
                      std::vector<std::pair<std::string, Value>> other_args) {
  std::string key(cache_key);
  if (other_args.empty()) return key;
  sort_arguments(cache_key.substr(0, cache_key.find('/')), other_args);
  Value::Members members;
  members.reserve(other_args.size());
  for (auto& [arg, value] : other_args) {
    validate_arg_name(arg);
    members.emplace_back(std::move(arg), std::move(value));
  }
  key.push_back('/');
  key += kOtherArgsSegment;
  key.push_back('=');
  key += xxh3_128_hex(render_key_value(Value(std::move(members))));
  return key;
}

}  // namespace nuthatch
