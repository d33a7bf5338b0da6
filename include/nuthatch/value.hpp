#pragma once
/// nh::Value: the dynamic value vocabulary of nuthatch (argument values, configuration,
/// manifests' `args`, and the payload of the `basic` backend). It holds exactly what
/// msgpack and JSON can: null, bool, int64, double, string, bytes, array, object.
/// Objects keep insertion order (as Python dicts do), so a key renders the same order
/// a caller gave. nh::Bytes is the payload type of the `blob` backend.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "nuthatch/error.hpp"

namespace nuthatch {

/// An immutable-by-convention byte string (the `blob` backend's value type).
class Bytes {
 public:
  Bytes() = default;
  explicit Bytes(std::string data) : data_(std::move(data)) {}
  Bytes(const void* data, std::size_t size)
      : data_(static_cast<const char*>(data), size) {}

  const std::uint8_t* data() const { return reinterpret_cast<const std::uint8_t*>(data_.data()); }
  std::size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  std::string_view view() const { return data_; }
  const std::string& str() const& { return data_; }
  std::string&& str() && { return std::move(data_); }

  friend bool operator==(const Bytes&, const Bytes&) = default;

 private:
  std::string data_;
};

/// A dynamically typed value: null | bool | int64 | double | string | bytes | array |
/// object. Copyable, comparable, cheap to move. Not thread-safe for concurrent mutation.
class Value {
 public:
  enum class Kind { null, boolean, integer, floating, string, bytes, array, object };
  using Array = std::vector<Value>;
  using Members = std::vector<std::pair<std::string, Value>>;

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  template <class T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
  Value(T i) : v_(checked_int(i)) {}
  Value(double d) : v_(d) {}
  Value(float f) : v_(static_cast<double>(f)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(Bytes b) : v_(std::move(b)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Members m) : v_(std::move(m)) {}

  /// Builds an array: Value::array({1, 2.5, "a"}).
  static Value array(std::initializer_list<Value> items = {}) { return Value(Array(items)); }
  /// Builds an object, keeping the given order: Value::object({{"k", 1}}).
  static Value object(std::initializer_list<std::pair<std::string, Value>> members = {}) {
    return Value(Members(members));
  }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::null; }
  bool is_bool() const { return kind() == Kind::boolean; }
  bool is_int() const { return kind() == Kind::integer; }
  bool is_double() const { return kind() == Kind::floating; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return kind() == Kind::string; }
  bool is_bytes() const { return kind() == Kind::bytes; }
  bool is_array() const { return kind() == Kind::array; }
  bool is_object() const { return kind() == Kind::object; }

  /// Converts to T: bool, any integer type (from an integer, range-checked), float or
  /// double (from any number), std::string, Bytes, Array, Members. Throws KeyError naming
  /// both kinds on a mismatch.
  template <class T>
  T as() const;

  const std::string& string_ref() const;  ///< no copy; throws KeyError unless a string
  const Bytes& bytes_ref() const;         ///< no copy; throws KeyError unless bytes
  const Array& array_items() const;    ///< throws KeyError unless an array
  const Members& members() const;      ///< throws KeyError unless an object
  Array& array_items();
  Members& members();

  /// Object member access; throws KeyError naming the member when it is absent.
  const Value& operator[](std::string_view key) const;
  /// Object member access that inserts null when absent (turns a null into an object).
  Value& operator[](std::string_view key);
  const Value& operator[](std::size_t index) const;  ///< array element, range-checked
  /// Array element, range-checked (never inserts). With the const form, `v[0]` on a
  /// non-const Value picks an index, not the null pointer as a member name.
  Value& operator[](std::size_t index);
  const Value* find(std::string_view key) const;     ///< nullptr when absent / not object
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  /// Number of elements (array), members (object), bytes (string, bytes); 0 for scalars.
  std::size_t size() const;
  void push_back(Value v);  ///< appends to an array (turns a null into an array)

  /// Canonical JSON-like text: the form used in cache keys and messages. Strings are
  /// quoted inside arrays / objects; floats use the shortest round-trip form.
  std::string to_string() const;
  static std::string_view kind_name(Kind k);

  friend bool operator==(const Value& a, const Value& b);

 private:
  template <class T>
  static std::int64_t checked_int(T i) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
      if (i > static_cast<T>(INT64_MAX)) throw KeyError("integer value out of int64 range");
    }
    return static_cast<std::int64_t>(i);
  }
  [[noreturn]] void kind_mismatch(std::string_view wanted) const;

  std::variant<std::monostate, bool, std::int64_t, double, std::string, Bytes, Array, Members> v_;
};

template <class T>
T Value::as() const {
  if constexpr (std::is_same_v<T, bool>) {
    if (auto* b = std::get_if<bool>(&v_)) return *b;
    kind_mismatch("bool");
  } else if constexpr (std::is_integral_v<T>) {
    if (auto* i = std::get_if<std::int64_t>(&v_)) {
      if constexpr (std::is_unsigned_v<T>) {
        if (*i < 0) kind_mismatch("unsigned integer");
      }
      if (static_cast<std::int64_t>(static_cast<T>(*i)) != *i) kind_mismatch("narrower integer");
      return static_cast<T>(*i);
    }
    kind_mismatch("integer");
  } else if constexpr (std::is_floating_point_v<T>) {
    if (auto* d = std::get_if<double>(&v_)) return static_cast<T>(*d);
    if (auto* i = std::get_if<std::int64_t>(&v_)) return static_cast<T>(*i);
    kind_mismatch("number");
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (auto* s = std::get_if<std::string>(&v_)) return *s;
    kind_mismatch("string");
  } else if constexpr (std::is_same_v<T, Bytes>) {
    if (auto* b = std::get_if<Bytes>(&v_)) return *b;
    kind_mismatch("bytes");
  } else if constexpr (std::is_same_v<T, Array>) {
    return array_items();
  } else if constexpr (std::is_same_v<T, Members>) {
    return members();
  } else {
    static_assert(sizeof(T) == 0, "Value::as<T>: unsupported T");
  }
}

}  // namespace nuthatch
