#pragma once
// HTTP dates (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"), as in Last-Modified.

#include <cstdint>
#include <optional>
#include <string_view>

namespace nuthatch::http {

/// Nanoseconds since the epoch, or std::nullopt when `text` is not an IMF-fixdate.
std::optional<std::int64_t> parse_http_date(std::string_view text);

}  // namespace nuthatch::http
