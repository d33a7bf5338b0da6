#pragma once
#include <cstdint>
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

}  // namespace nuthatch
