#pragma once
/// N-d arrays and datasets: the xarray / Zarr data model. An NDArray is a C-contiguous
/// buffer with a dtype and a shape; its buffer is shared (copies of an NDArray share it)
/// and may borrow foreign memory (a numpy array) through an owner handle, without a copy.
/// A Dataset is named variables with dims, attrs and encoding, a set of coordinate names,
/// and dataset attrs. The `zarr` backend stores both.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "nuthatch/error.hpp"
#include "nuthatch/value.hpp"

namespace nuthatch {

enum class DType {
  bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
  float32, float64, datetime64_ns, string
};

/// Size in bytes of one element (0 for string, whose elements are variable-length).
std::size_t dtype_size(DType t);
/// numpy-style name: "bool", "int16", "float32", "datetime64[ns]", "str".
std::string_view dtype_name(DType t);

namespace detail {
template <class T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr DType value = DType::bool_; };
template <> struct dtype_of<std::int8_t> { static constexpr DType value = DType::int8; };
template <> struct dtype_of<std::int16_t> { static constexpr DType value = DType::int16; };
template <> struct dtype_of<std::int32_t> { static constexpr DType value = DType::int32; };
template <> struct dtype_of<std::int64_t> { static constexpr DType value = DType::int64; };
template <> struct dtype_of<std::uint8_t> { static constexpr DType value = DType::uint8; };
template <> struct dtype_of<std::uint16_t> { static constexpr DType value = DType::uint16; };
template <> struct dtype_of<std::uint32_t> { static constexpr DType value = DType::uint32; };
template <> struct dtype_of<std::uint64_t> { static constexpr DType value = DType::uint64; };
template <> struct dtype_of<float> { static constexpr DType value = DType::float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::float64; };
}  // namespace detail

/// A C-contiguous N-d array. Copying an NDArray shares its buffer.
class NDArray {
 public:
  /// One element of a bool array (numpy's layout: one byte, 0 or 1).
  using bool_storage = std::uint8_t;
  NDArray() = default;

  /// Takes ownership of `values` laid out in C order; throws CodecError when the element
  /// count does not match the shape.
  template <class T>
  static NDArray from_vector(std::vector<T> values, std::vector<std::int64_t> shape) {
    if constexpr (std::is_same_v<T, bool>) {  // std::vector<bool> packs bits: unpack
      auto owner = std::make_shared<std::vector<bool_storage>>(values.begin(), values.end());
      NDArray a;
      a.init(DType::bool_, std::move(shape), owner->data(), owner->size(), owner);
      return a;
    } else {
    auto owner = std::make_shared<std::vector<T>>(std::move(values));
    NDArray a;
    a.init(detail::dtype_of<T>::value, std::move(shape), owner->data(),
           owner->size() * sizeof(T), owner);
    return a;
    }
  }
  /// datetime64[ns] values, as nanoseconds since the Unix epoch.
  static NDArray datetimes(std::vector<std::int64_t> ns_since_epoch,
                           std::vector<std::int64_t> shape);
  /// UTF-8 strings.
  static NDArray strings(std::vector<std::string> values, std::vector<std::int64_t> shape);
  /// Borrows `data` (C order, `bytes` long) kept alive by `owner`: no copy is made.
  static NDArray borrow(DType dtype, std::vector<std::int64_t> shape, const void* data,
                        std::size_t bytes, std::shared_ptr<const void> owner);
  /// A zero-filled array of the given dtype and shape (empty strings for string).
  static NDArray zeros(DType dtype, std::vector<std::int64_t> shape);
  /// An array of the given dtype and shape whose elements are not initialised (empty
  /// strings for string), for a producer that writes every element before anyone reads
  /// one: it saves zeros()'s pass over the buffer. Write through data() while this is
  /// the only copy.
  static NDArray uninitialized(DType dtype, std::vector<std::int64_t> shape);

  DType dtype() const { return dtype_; }
  const std::vector<std::int64_t>& shape() const { return shape_; }
  std::int64_t size() const;              ///< number of elements
  std::size_t nbytes() const { return bytes_; }  ///< buffer size (strings: their sum)
  const void* data() const { return data_; }

  /// Typed view; throws CodecError when T does not match the dtype.
  template <class T>
  std::span<const T> values() const {
    check_dtype(storage_dtype<T>());
    return {static_cast<const T*>(data_), static_cast<std::size_t>(size())};
  }
  /// Typed mutable view. Copies the buffer first when it is shared or borrowed.
  template <class T>
  std::span<T> mutable_values() {
    check_dtype(storage_dtype<T>());
    make_unique();
    return {static_cast<T*>(const_cast<void*>(data_)), static_cast<std::size_t>(size())};
  }
  const std::vector<std::string>& string_values() const;

  friend bool operator==(const NDArray& a, const NDArray& b);

 private:
  template <class T>
  static constexpr DType storage_dtype() {
    return detail::dtype_of<T>::value;
  }
  void init(DType dtype, std::vector<std::int64_t> shape, const void* data, std::size_t bytes,
            std::shared_ptr<const void> owner);
  void check_dtype(DType wanted) const;
  void make_unique();

  DType dtype_ = DType::float64;
  std::vector<std::int64_t> shape_;
  const void* data_ = nullptr;
  std::size_t bytes_ = 0;
  std::shared_ptr<const void> owner_;
  bool borrowed_ = false;  ///< data_ belongs to a foreign owner: copy before mutating
  std::shared_ptr<std::vector<std::string>> strings_;
};

/// int64 views of datetime64[ns] arrays are allowed: values<std::int64_t>() works on both.
template <>
inline std::span<const std::int64_t> NDArray::values<std::int64_t>() const {
  if (dtype_ != DType::datetime64_ns) check_dtype(DType::int64);
  return {static_cast<const std::int64_t*>(data_), static_cast<std::size_t>(size())};
}

/// One variable of a dataset: dims name the axes of `data`.
struct Variable {
  std::vector<std::string> dims;
  NDArray data;
  Value attrs = Value::object();
  Value encoding = Value::object();  ///< chunks, compressor, level, fill_value
  friend bool operator==(const Variable&, const Variable&) = default;
};

/// Named variables, the names among them that are coordinates, and dataset attrs.
struct Dataset {
  std::map<std::string, Variable> variables;
  std::set<std::string> coords;
  Value attrs = Value::object();
  friend bool operator==(const Dataset&, const Dataset&) = default;
};

/// A hyper-rectangle of a dataset: per-dimension index ranges [start, stop).
struct Selection {
  struct Range {
    std::string dim;
    std::int64_t start = 0;
    std::int64_t stop = 0;
  };
  std::vector<Range> ranges;
};

/// A range of labels on a 1-D integer or datetime64 coordinate: the part of a dataset a
/// call needs along `dim`, for codecs that can read part of a stored value. A codec that
/// honours it reads the elements whose label lies in [start, stop] (an absent bound is
/// open) plus one neighbour on each side, so that a processor can still tell whether the
/// stored data covers the range; a codec that cannot, reads everything.
struct CoordinateRange {
  std::string dim;
  std::optional<std::int64_t> start;
  std::optional<std::int64_t> stop;
};

}  // namespace nuthatch
