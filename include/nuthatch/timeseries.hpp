#pragma once
/// The timeseries rules, in one place for both languages: how a call's `start_time` /
/// `end_time` arguments become instants, and when a stored series covers a call. The C++
/// `nh::timeseries` processor applies them, and the Python `nuthatch.processors.timeseries`
/// calls them through `nuthatch._core` (a cross-language test pins both to one table).
///
/// Bounds are nanoseconds since 1970-01-01 UTC. A bound argument is null (an open side),
/// an integer (nanoseconds already) or ISO 8601 text: "2013", "2013-06", "2013-06-30",
/// "2013-06-30T12", "2013-06-30T12:30", "2013-06-30T12:30:15[.fff]", with an optional
/// "Z" or "+hh:mm" offset after a time (text without one is UTC).

#include <cstdint>
#include <optional>
#include <string_view>

#include "nuthatch/value.hpp"

namespace nuthatch::timeseries_rules {

/// Slack of the coverage rule: a stored series covers a call when it starts less than
/// this after the call's start and ends less than this before the call's end.
inline constexpr std::int64_t kCoverageSlackNs = 365LL * 86'400'000'000'000LL;

/// The instants an ISO 8601 bound names: [first_ns, last_ns]. Text that names a period
/// (a year, month, day, hour, minute or second without an offset) spans it, the way
/// xarray's `.sel` slices by a partial date; text with a fraction of a second or an
/// offset names one instant (first_ns == last_ns).
struct Period {
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
};

/// The period `text` names, or std::nullopt when it is not ISO 8601 of the forms above.
std::optional<Period> parse_period(std::string_view text);

/// A call's bounds: start is the first instant of the period its argument names, end
/// the last instant of its period ("2013-01-10" ends at 2013-01-10T23:59:59.999999999).
/// Null or absent arguments leave a side open.
struct Bounds {
  std::optional<std::int64_t> start;
  std::optional<std::int64_t> end;
};

/// The bounds of `start_time` / `end_time` argument values (null, integer ns or ISO 8601
/// text). Throws Error naming the argument when a value is of another type or text that
/// is not a date or time. Does not compare them: a start after the end selects nothing.
Bounds bounds(const Value& start_time, const Value& end_time);

/// Whether a stored series whose times span [first_ns, last_ns] covers a call with
/// `bounds`: first < start + slack and last > end - slack (an open side always holds).
bool covers(std::int64_t first_ns, std::int64_t last_ns, const Bounds& bounds);

}  // namespace nuthatch::timeseries_rules
