#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace nuthatch {

std::string base64_encode(std::string_view data);
/// std::nullopt on malformed input.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace nuthatch
