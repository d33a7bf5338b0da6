#include "nuthatch/boxed.hpp"

#include <cxxabi.h>
#include <fmt/format.h>

#include <cstdlib>
#include <memory>

namespace nuthatch {

std::string type_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type.name());
}

void Boxed::throw_type_mismatch(const std::type_info& wanted) const {
  throw CodecError(fmt::format("expected a value of type {}, got {}", type_name(wanted),
                               empty() ? std::string("no value") : type_name(type())));
}

}  // namespace nuthatch
