#include "cli/key_syntax.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "cli/command.hpp"
#include "common/strings.hpp"
#include "nuthatch/keys.hpp"

namespace nuthatch::cli {
namespace {

constexpr std::size_t kHashHexDigits = 32;
constexpr char kHashMark = '~';

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper_hex(char c) { return is_digit(c) || (c >= 'A' && c <= 'F'); }
bool is_hex(char c) { return is_upper_hex(c) || (c >= 'a' && c <= 'f'); }
bool is_unreserved(char c) {
  return is_alpha(c) || is_digit(c) || c == '.' || c == '_' || c == '-';
}
bool is_identifier_char(char c) { return is_alpha(c) || is_digit(c) || c == '_'; }

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  return (c >= 'a' ? c - 'a' : c - 'A') + 10;
}

bool is_arg_name(std::string_view s) {
  return !s.empty() && (is_alpha(s.front()) || s.front() == '_') &&
         std::all_of(s.begin(), s.end(), is_identifier_char);
}

bool is_hashed_value(std::string_view v) {
  return v.size() == kHashHexDigits + 1 && v.front() == kHashMark &&
         std::all_of(v.begin() + 1, v.end(), is_hex);
}

// The decoded value, or std::nullopt when `v` is not percent-encoded as the engine does.
std::optional<std::string> percent_decode(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (is_unreserved(v[i])) {
      out.push_back(v[i]);
    } else if (v[i] == '%' && i + 2 < v.size() && is_upper_hex(v[i + 1]) &&
               is_upper_hex(v[i + 2])) {
      out.push_back(static_cast<char>(hex_value(v[i + 1]) * 16 + hex_value(v[i + 2])));
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// Why a segment is not valid, or "" when it is.
std::string segment_problem(std::string_view segment, bool first) {
  const std::size_t eq = segment.find('=');
  if (first || eq == std::string_view::npos) {
    try {
      validate_function_name(segment);
      return {};
    } catch (const KeyError& e) {
      return e.what();
    }
  }
  if (segment.size() > kMaxSegmentBytes) {
    return fmt::format("segment '{}' is longer than {} bytes (the engine hashes such values)",
                       segment, kMaxSegmentBytes);
  }
  std::string_view arg = segment.substr(0, eq);
  std::string_view value = segment.substr(eq + 1);
  if (!is_arg_name(arg)) return fmt::format("'{}' is not a valid argument name", arg);
  if (!is_hashed_value(value) && !percent_decode(value)) {
    return fmt::format("the value of '{}' is not percent-encoded (only [A-Za-z0-9._-] and %XX)",
                       arg);
  }
  return {};
}

}  // namespace

void validate_key(const std::string& key) {
  if (key.empty()) throw UsageError("KEY must not be empty");
  const std::vector<std::string> segments = split(key, '/');
  for (std::size_t i = 0; i < segments.size(); ++i) {
    std::string problem = segment_problem(segments[i], i == 0);
    if (!problem.empty()) {
      throw UsageError(fmt::format("invalid KEY '{}': segment {}: {}", key, i + 1, problem));
    }
  }
}

Value key_args(const std::string& key) {
  Value args = Value::object();
  const std::vector<std::string> segments = split(key, '/');
  for (std::size_t i = 1; i < segments.size(); ++i) {
    const std::string& s = segments[i];
    const std::size_t eq = s.find('=');
    if (eq == std::string::npos) continue;
    if (auto decoded = percent_decode(std::string_view(s).substr(eq + 1))) {
      args[s.substr(0, eq)] = *decoded;
    }
  }
  return args;
}

}  // namespace nuthatch::cli
