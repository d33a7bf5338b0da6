#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nuthatch {

std::vector<std::string> split(std::string_view s, char sep);
bool starts_with(std::string_view s, std::string_view prefix);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
/// "1.5 KiB", "3.0 GiB".
std::string human_bytes(std::uint64_t bytes);
/// Shell-style glob: '*' any run (including '/'), '?' one character, '[abc]' a set.
bool glob_match(std::string_view pattern, std::string_view text);

/// The unsigned decimal number `text` spells: one or more ASCII digits and nothing else
/// (no sign, space or suffix), at most 2^64 - 1. std::nullopt for anything else.
std::optional<std::uint64_t> parse_uint(std::string_view text);
/// Why parse_uint refused `text`: "<what>: '<text>' is not an unsigned decimal number" or
/// "<what>: '<text>' is out of range (at most 18446744073709551615)". `text` is cut short
/// when long.
std::string uint_error(std::string_view text, std::string_view what);
/// parse_uint, or an `E` (an nh::Error subclass) with uint_error's message. For numbers
/// read from the network, storage or the environment, where garbage must not become 0.
template <class E>
std::uint64_t require_uint(std::string_view text, std::string_view what) {
  if (const std::optional<std::uint64_t> value = parse_uint(text)) return *value;
  throw E(uint_error(text, what));
}

}  // namespace nuthatch
