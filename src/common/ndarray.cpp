#include "nuthatch/ndarray.hpp"

#include <fmt/format.h>

#include <cstring>
#include <numeric>

#include "common/buffer_pool.hpp"

namespace nuthatch {

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::bool_: case DType::int8: case DType::uint8: return 1;
    case DType::int16: case DType::uint16: return 2;
    case DType::int32: case DType::uint32: case DType::float32: return 4;
    case DType::int64: case DType::uint64: case DType::float64: case DType::datetime64_ns: return 8;
    case DType::string: return 0;
  }
  return 0;
}

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::bool_: return "bool";
    case DType::int8: return "int8";
    case DType::int16: return "int16";
    case DType::int32: return "int32";
    case DType::int64: return "int64";
    case DType::uint8: return "uint8";
    case DType::uint16: return "uint16";
    case DType::uint32: return "uint32";
    case DType::uint64: return "uint64";
    case DType::float32: return "float32";
    case DType::float64: return "float64";
    case DType::datetime64_ns: return "datetime64[ns]";
    case DType::string: return "str";
  }
  return "?";
}

namespace {
std::int64_t element_count(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) {
    if (d < 0) throw CodecError(fmt::format("negative dimension {} in shape", d));
    n *= d;
  }
  return n;
}
}  // namespace

std::int64_t NDArray::size() const { return element_count(shape_); }

void NDArray::init(DType dtype, std::vector<std::int64_t> shape, const void* data,
                   std::size_t bytes, std::shared_ptr<const void> owner) {
  std::int64_t n = element_count(shape);
  if (dtype != DType::string && static_cast<std::size_t>(n) * dtype_size(dtype) != bytes) {
    throw CodecError(fmt::format("{} array of shape [{}] needs {} bytes, got {}",
                                 dtype_name(dtype), fmt::join(shape, ", "),
                                 static_cast<std::size_t>(n) * dtype_size(dtype), bytes));
  }
  dtype_ = dtype;
  shape_ = std::move(shape);
  data_ = data;
  bytes_ = bytes;
  owner_ = std::move(owner);
}

NDArray NDArray::datetimes(std::vector<std::int64_t> ns, std::vector<std::int64_t> shape) {
  NDArray a = from_vector(std::move(ns), std::move(shape));
  a.dtype_ = DType::datetime64_ns;
  return a;
}

NDArray NDArray::strings(std::vector<std::string> values, std::vector<std::int64_t> shape) {
  if (static_cast<std::int64_t>(values.size()) != element_count(shape)) {
    throw CodecError(fmt::format("string array of shape [{}] needs {} values, got {}",
                                 fmt::join(shape, ", "), element_count(shape), values.size()));
  }
  NDArray a;
  a.dtype_ = DType::string;
  a.shape_ = std::move(shape);
  a.bytes_ = 0;
  for (const auto& s : values) a.bytes_ += s.size();
  a.strings_ = std::make_shared<std::vector<std::string>>(std::move(values));
  return a;
}

NDArray NDArray::borrow(DType dtype, std::vector<std::int64_t> shape, const void* data,
                        std::size_t bytes, std::shared_ptr<const void> owner) {
  if (dtype == DType::string) throw CodecError("string arrays cannot borrow a buffer");
  NDArray a;
  a.init(dtype, std::move(shape), data, bytes, std::move(owner));
  a.borrowed_ = true;
  return a;
}

NDArray NDArray::zeros(DType dtype, std::vector<std::int64_t> shape) {
  std::int64_t n = element_count(shape);
  if (dtype == DType::string) {
    return strings(std::vector<std::string>(static_cast<std::size_t>(n)), std::move(shape));
  }
  std::size_t bytes = static_cast<std::size_t>(n) * dtype_size(dtype);
  auto owner = std::make_shared<std::vector<std::uint64_t>>((bytes + 7) / 8, 0);
  NDArray a;
  a.init(dtype, std::move(shape), owner->data(), bytes, owner);
  return a;
}

NDArray NDArray::uninitialized(DType dtype, std::vector<std::int64_t> shape) {
  if (dtype == DType::string) return zeros(dtype, std::move(shape));
  const std::size_t bytes = static_cast<std::size_t>(element_count(shape)) * dtype_size(dtype);
  // The buffer pool's memory is as the last array left it: no fill pass, and large
  // buffers are recycled rather than faulted in fresh (nuthatch/memory.hpp). (Asking for
  // transparent huge pages instead was tried: slower, compaction costs more than the
  // page faults it saves.)
  std::shared_ptr<void> owner = detail::allocate_buffer(bytes);
  const void* data = owner.get();
  NDArray a;
  a.init(dtype, std::move(shape), data, bytes, std::move(owner));
  return a;
}

const std::vector<std::string>& NDArray::string_values() const {
  if (dtype_ != DType::string || !strings_) check_dtype(DType::string);
  return *strings_;
}

void NDArray::check_dtype(DType wanted) const {
  if (dtype_ != wanted) {
    throw CodecError(fmt::format("array has dtype {}, not {}", dtype_name(dtype_),
                                 dtype_name(wanted)));
  }
}

void NDArray::make_unique() {
  if (dtype_ == DType::string) {
    if (strings_.use_count() > 1) strings_ = std::make_shared<std::vector<std::string>>(*strings_);
    return;
  }
  if (owner_ && owner_.use_count() == 1 && !borrowed_) return;
  auto copy = std::make_shared<std::vector<std::uint64_t>>((bytes_ + 7) / 8);
  if (bytes_ > 0) std::memcpy(copy->data(), data_, bytes_);
  data_ = copy->data();
  owner_ = copy;
  borrowed_ = false;
}

bool operator==(const NDArray& a, const NDArray& b) {
  if (a.dtype_ != b.dtype_ || a.shape_ != b.shape_) return false;
  if (a.dtype_ == DType::string) return *a.strings_ == *b.strings_;
  return a.bytes_ == b.bytes_ && (a.bytes_ == 0 || std::memcmp(a.data_, b.data_, a.bytes_) == 0);
}

}  // namespace nuthatch
