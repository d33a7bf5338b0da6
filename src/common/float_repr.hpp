#pragma once
// Python's repr() of a float, byte for byte: keys rendered in C++ and in Python agree.

#include <string>

namespace nuthatch {

/// Shortest round-trip digits; fixed notation when the decimal exponent is in [-4, 16)
/// (with ".0" when integral), else scientific with at least two exponent digits
/// ("1e+16", "1.5e-05"); "inf", "-inf", "nan".
std::string python_float_repr(double d);

}  // namespace nuthatch
