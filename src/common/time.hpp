#pragma once
// Time helpers: RFC 3339 UTC rendering and ISO 8601 parsing.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nuthatch {

std::int64_t now_ns();
/// "2026-11-25T12:00:00Z" (seconds precision, fractions truncated toward the past), for
/// every int64 (1677-09-21T00:12:43Z to 2262-04-11T23:47:16Z).
std::string rfc3339_utc(std::int64_t ns_since_epoch);
/// Parses "2013-01-01", "2013-01-01T06:00", "2013-01-01T06:00:00[.fff][Z|+hh:mm]",
/// "2013-01-01 06:00:00" into nanoseconds since the epoch. std::nullopt when malformed: a
/// day its month does not have (2013-02-29), an offset beyond +-23:59, or an instant
/// outside int64 nanoseconds (before 1677-09-21T00:12:43.145224192Z or after
/// 2262-04-11T23:47:16.854775807Z). Callers name the text in their error.
std::optional<std::int64_t> parse_iso8601_ns(std::string_view text);
/// Parses "30s", "250ms", "15m", "24h", "7d", "1w" or a number of seconds into nanoseconds,
/// to the nearest. std::nullopt when malformed, negative, infinite, NaN, or beyond int64
/// nanoseconds (about 292 years).
std::optional<std::int64_t> parse_duration_ns(std::string_view text);

}  // namespace nuthatch
