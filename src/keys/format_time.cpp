// ISO 8601 UTC text of time-point arguments. Times before 1970 floor towards negative
// infinity so that the fraction is always a positive offset into the second.

#include <chrono>
#include <cstdio>
#include <string>

#include "nuthatch/keys.hpp"

namespace nuthatch {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;
constexpr std::int64_t kSecondsPerHour = 3'600;
constexpr std::int64_t kSecondsPerMinute = 60;
constexpr int kFractionDigits = 9;

}  // namespace

std::string format_time_ns(std::int64_t ns_since_epoch) {
  // Split in integer arithmetic: converting whole days back to nanoseconds would
  // overflow int64 near its ends (years 1677 and 2262).
  std::int64_t seconds = ns_since_epoch / kNanosPerSecond;
  std::int64_t fraction = ns_since_epoch % kNanosPerSecond;
  if (fraction < 0) {
    fraction += kNanosPerSecond;
    --seconds;
  }
  std::int64_t days = seconds / kSecondsPerDay;
  std::int64_t second_of_day = seconds % kSecondsPerDay;
  if (second_of_day < 0) {
    second_of_day += kSecondsPerDay;
    --days;
  }
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};

  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d",
                        static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                        static_cast<unsigned>(ymd.day()),
                        static_cast<int>(second_of_day / kSecondsPerHour),
                        static_cast<int>(second_of_day % kSecondsPerHour / kSecondsPerMinute),
                        static_cast<int>(second_of_day % kSecondsPerMinute));
  std::string out(buf, static_cast<std::size_t>(n));
  if (fraction != 0) {
    std::snprintf(buf, sizeof buf, ".%0*lld", kFractionDigits, static_cast<long long>(fraction));
    std::string digits(buf);
    digits.erase(digits.find_last_not_of('0') + 1);
    out += digits;
  }
  out.push_back('Z');
  return out;
}

}  // namespace nuthatch
