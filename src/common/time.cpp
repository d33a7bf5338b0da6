#include "common/time.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>

namespace nuthatch {
namespace {
constexpr std::int64_t kNsPerSec = 1'000'000'000;
constexpr std::int64_t kSecPerDay = 86'400;
constexpr int kMaxOffsetHours = 23;  // RFC 3339 time-numoffset: 00-23 hours, 00-59 minutes
constexpr int kMaxMinutes = 59;
/// 2^63: the first double beyond int64 (every double below it converts exactly).
constexpr double kInt64Bound = 9'223'372'036'854'775'808.0;

/// Floor division: rounds toward the past for negative numerators too, without the
/// overflow of -(n + d - 1) at the bottom of the int64 range.
std::int64_t floor_div(std::int64_t n, std::int64_t d) {
  const std::int64_t q = n / d;
  return n % d < 0 ? q - 1 : q;
}

bool is_leap_year(std::int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : kDays[m - 1];
}

/// secs * 1e9 + frac_ns (0 <= frac_ns < 1e9) as int64 nanoseconds; nullopt outside int64.
std::optional<std::int64_t> to_ns(std::int64_t secs, std::int64_t frac_ns) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  if (secs > kMax / kNsPerSec || secs < kMin / kNsPerSec - 1) return std::nullopt;
  if (secs >= 0) {
    const std::int64_t whole = secs * kNsPerSec;
    if (whole > kMax - frac_ns) return std::nullopt;
    return whole + frac_ns;
  }
  // Borrow a second, so that neither product nor sum leaves int64 on the way.
  const std::int64_t whole = (secs + 1) * kNsPerSec;
  const std::int64_t rest = frac_ns - kNsPerSec;  // in [-1e9, 0)
  if (whole < kMin - rest) return std::nullopt;
  return whole + rest;
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  bool digits(int n, int& out) {
    if (i + n > s.size()) return false;
    out = 0;
    for (int k = 0; k < n; ++k) {
      char c = s[i + k];
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      out = out * 10 + (c - '0');
    }
    i += n;
    return true;
  }
  bool eat(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
};
}  // namespace

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string rfc3339_utc(std::int64_t ns) {
  const std::int64_t secs = floor_div(ns, kNsPerSec);
  const std::int64_t days = floor_div(secs, kSecPerDay);
  const std::int64_t sod = secs - days * kSecPerDay;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y, m, d, sod / 3600, sod / 60 % 60,
                     sod % 60);
}

std::optional<std::int64_t> parse_iso8601_ns(std::string_view text) {
  Cursor c{text};
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!c.digits(4, y) || !c.eat('-') || !c.digits(2, mo) || !c.eat('-') || !c.digits(2, d)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, mo)) {
    return std::nullopt;
  }
  std::int64_t frac_ns = 0;
  std::int64_t offset_s = 0;
  if (!c.done()) {
    if (!c.eat('T') && !c.eat(' ')) return std::nullopt;
    if (!c.digits(2, h) || !c.eat(':') || !c.digits(2, mi)) return std::nullopt;
    if (c.eat(':')) {
      if (!c.digits(2, s)) return std::nullopt;
      if (c.eat('.')) {
        std::int64_t scale = 100'000'000;
        bool any = false;
        while (!c.done() && std::isdigit(static_cast<unsigned char>(c.s[c.i]))) {
          frac_ns += (c.s[c.i] - '0') * scale;
          scale /= 10;
          ++c.i;
          any = true;
        }
        if (!any) return std::nullopt;
      }
    }
    if (c.eat('Z')) {
    } else if (!c.done() && (c.s[c.i] == '+' || c.s[c.i] == '-')) {
      int sign = c.s[c.i] == '-' ? -1 : 1;
      ++c.i;
      int oh, om = 0;
      if (!c.digits(2, oh)) return std::nullopt;
      if ((c.eat(':') || !c.done()) && !c.digits(2, om)) return std::nullopt;
      if (oh > kMaxOffsetHours || om > kMaxMinutes) return std::nullopt;
      offset_s = sign * (oh * 3600 + om * 60);
    }
    if (!c.done() || h > 23 || mi > kMaxMinutes || s > 60) return std::nullopt;
  }
  // Four-digit years keep these seconds far inside int64; the nanoseconds may not be.
  const std::int64_t days =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const std::int64_t secs = days * kSecPerDay + h * 3600 + mi * 60 + s - offset_s;
  return to_ns(secs, frac_ns);
}

std::optional<std::int64_t> parse_duration_ns(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || !std::isfinite(v) || std::signbit(v)) return std::nullopt;
  std::string_view unit(ptr, text.data() + text.size() - ptr);
  double unit_ns = 0;
  if (unit.empty() || unit == "s") unit_ns = 1e9;
  else if (unit == "ms") unit_ns = 1e6;
  else if (unit == "m" || unit == "min") unit_ns = 60e9;
  else if (unit == "h") unit_ns = 3600e9;
  else if (unit == "d") unit_ns = 86400e9;
  else if (unit == "w") unit_ns = 7 * 86400e9;
  else return std::nullopt;
  const double ns = v * unit_ns;
  if (!(ns < kInt64Bound)) return std::nullopt;  // converting it would be undefined
  return std::llround(ns);
}

}  // namespace nuthatch
