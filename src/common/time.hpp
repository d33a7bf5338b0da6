#pragma once
// Time helpers: RFC 3339 UTC rendering and ISO 8601 parsing.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nuthatch {

std::int64_t now_ns();
/// "2026-11-25T12:00:00Z" (seconds precision).
std::string rfc3339_utc(std::int64_t ns_since_epoch);
/// Parses "2013-01-01", "2013-01-01T06:00", "2013-01-01T06:00:00[.fff][Z|+hh:mm]",
/// "2013-01-01 06:00:00". std::nullopt when malformed.
std::optional<std::int64_t> parse_iso8601_ns(std::string_view text);
/// Parses "30s", "15m", "24h", "7d", "1w" or a number of seconds; nullopt when malformed.
std::optional<std::int64_t> parse_duration_ns(std::string_view text);

}  // namespace nuthatch
