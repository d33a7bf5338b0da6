// Python formats a float for repr() with David Gay's shortest round-trip digits and then
// chooses the notation from the decimal exponent (Python/pystrtod.c, format_float_short
// with mode 'r' and Py_DTSF_ADD_DOT_0). std::to_chars in scientific form yields the same
// shortest digits; only the layout has to be redone here.

#include "common/float_repr.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <system_error>

namespace nuthatch {
namespace {

// Python switches to scientific notation outside this range of decimal exponents.
constexpr int kMinFixedExponent = -4;
constexpr int kMaxFixedExponent = 16;  // exclusive
constexpr int kMinExponentDigits = 2;
// Enough for "-d.<16 digits>e-308".
constexpr std::size_t kCharsBufferSize = 32;

struct Decimal {
  std::string digits;  // significant digits, no leading or trailing zeros (except "0")
  int exponent = 0;    // value = d.ddd * 10^exponent
};

Decimal shortest_decimal(double magnitude) {
  char buf[kCharsBufferSize];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, magnitude, std::chars_format::scientific);
  std::string_view text(buf, static_cast<std::size_t>(end - buf));  // "1.2345e+02"
  std::size_t e = text.find('e');
  Decimal out;
  for (char c : text.substr(0, e)) {
    if (c != '.') out.digits.push_back(c);
  }
  std::string_view exp_text = text.substr(e + 1);
  if (!exp_text.empty() && exp_text.front() == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), out.exponent);
  return out;
}

void append_scientific(std::string& out, const Decimal& d) {
  out.push_back(d.digits.front());
  if (d.digits.size() > 1) {
    out.push_back('.');
    out.append(d.digits, 1);
  }
  out.push_back('e');
  out.push_back(d.exponent < 0 ? '-' : '+');
  std::string exp_digits = std::to_string(std::abs(d.exponent));
  if (exp_digits.size() < kMinExponentDigits) {
    out.append(kMinExponentDigits - exp_digits.size(), '0');
  }
  out += exp_digits;
}

void append_fixed(std::string& out, const Decimal& d) {
  const int point = d.exponent + 1;  // digits before the decimal point
  const int ndigits = static_cast<int>(d.digits.size());
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-point), '0');
    out += d.digits;
  } else if (point < ndigits) {
    out.append(d.digits, 0, static_cast<std::size_t>(point));
    out.push_back('.');
    out.append(d.digits, static_cast<std::size_t>(point));
  } else {
    out += d.digits;
    out.append(static_cast<std::size_t>(point - ndigits), '0');
    out += ".0";
  }
}

}  // namespace

std::string python_float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  std::string out;
  if (std::signbit(d)) out.push_back('-');
  Decimal dec = shortest_decimal(std::fabs(d));
  if (dec.exponent < kMinFixedExponent || dec.exponent >= kMaxFixedExponent) {
    append_scientific(out, dec);
  } else {
    append_fixed(out, dec);
  }
  return out;
}

}  // namespace nuthatch
