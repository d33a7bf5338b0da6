// Estimates of the memory a cached value holds, for the memoizer's byte budget. They
// count payload bytes and per-node overhead; shared buffers are counted once per holder,
// which errs on the side of evicting early.

#include "nuthatch/codec.hpp"

namespace nuthatch {
namespace {

// Bytes a std::string keeps in its own object before it allocates (libstdc++ SSO).
constexpr std::size_t kInlineStringBytes = 15;

std::size_t string_heap_bytes(std::size_t length) {
  return length > kInlineStringBytes ? length + 1 : 0;
}

std::size_t dims_size(const std::vector<std::string>& dims) {
  std::size_t n = dims.capacity() * sizeof(std::string);
  for (const auto& d : dims) n += string_heap_bytes(d.size());
  return n;
}

}  // namespace

std::size_t memory_size(const Value& v) {
  std::size_t n = sizeof(Value);
  switch (v.kind()) {
    case Value::Kind::string:
    case Value::Kind::bytes:
      return n + string_heap_bytes(v.size());
    case Value::Kind::array:
      for (const Value& e : v.array_items()) n += memory_size(e);
      return n;
    case Value::Kind::object:
      for (const auto& [k, e] : v.members()) {
        n += sizeof(std::string) + string_heap_bytes(k.size()) + memory_size(e);
      }
      return n;
    default:
      return n;
  }
}

std::size_t memory_size(const NDArray& a) {
  std::size_t n = sizeof(NDArray) + a.shape().size() * sizeof(std::int64_t) + a.nbytes();
  if (a.dtype() == DType::string) {
    // nbytes() counts the characters; each element is also a std::string object.
    n += static_cast<std::size_t>(a.size()) * sizeof(std::string);
  }
  return n;
}

std::size_t memory_size(const Dataset& d) {
  // Map and set nodes: three pointers and a colour beside the element.
  constexpr std::size_t kTreeNodeBytes = 32;
  std::size_t n = sizeof(Dataset) + memory_size(d.attrs);
  for (const auto& [name, var] : d.variables) {
    n += kTreeNodeBytes + sizeof(std::string) + string_heap_bytes(name.size()) +
         dims_size(var.dims) + memory_size(var.data) + memory_size(var.attrs) +
         memory_size(var.encoding);
  }
  for (const auto& c : d.coords) {
    n += kTreeNodeBytes + sizeof(std::string) + string_heap_bytes(c.size());
  }
  return n;
}

}  // namespace nuthatch
