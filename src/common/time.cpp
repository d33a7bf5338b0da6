#include "common/time.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <chrono>

namespace nuthatch {
namespace {
constexpr std::int64_t kNsPerSec = 1'000'000'000;

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
  std::int64_t secs = ns >= 0 ? ns / kNsPerSec : -((-ns + kNsPerSec - 1) / kNsPerSec);
  std::int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  std::int64_t sod = secs - days * 86400;
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
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
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
      c.eat(':');
      if (!c.done() && !c.digits(2, om)) return std::nullopt;
      offset_s = sign * (oh * 3600 + om * 60);
    }
    if (!c.done() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  }
  std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offset_s;
  return secs * kNsPerSec + frac_ns;
}

std::optional<std::int64_t> parse_duration_ns(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || v < 0) return std::nullopt;
  std::string_view unit(ptr, text.data() + text.size() - ptr);
  double mult = 1;
  if (unit.empty() || unit == "s") mult = 1;
  else if (unit == "ms") mult = 1e-3;
  else if (unit == "m" || unit == "min") mult = 60;
  else if (unit == "h") mult = 3600;
  else if (unit == "d") mult = 86400;
  else if (unit == "w") mult = 7 * 86400;
  else return std::nullopt;
  return static_cast<std::int64_t>(v * mult * 1e9);
}

}  // namespace nuthatch
