#pragma once
/// nh::Boxed: a type-erased, immutable, shared value. The engine moves results through
/// its levels as Boxed (a C++ `T`, a stored `Value` / `Bytes` / `Dataset`, or a Python
/// object held by the binding); an empty Boxed is "no value" (a null entry).

#include <memory>
#include <string>
#include <typeinfo>

#include "nuthatch/error.hpp"

namespace nuthatch {

class Boxed {
 public:
  Boxed() = default;

  template <class T>
  static Boxed make(T value) {
    Boxed b;
    b.ptr_ = std::make_shared<const T>(std::move(value));
    b.type_ = &typeid(T);
    return b;
  }
  /// Wraps an existing shared object (used by bindings to hold foreign objects). A null
  /// pointer gives an empty Boxed, whatever `type` says: it holds no value of any type.
  static Boxed from_shared(std::shared_ptr<const void> ptr, const std::type_info& type) {
    Boxed b;
    if (ptr == nullptr) return b;
    b.ptr_ = std::move(ptr);
    b.type_ = &type;
    return b;
  }

  bool empty() const { return ptr_ == nullptr; }
  explicit operator bool() const { return !empty(); }
  const std::type_info& type() const { return type_ ? *type_ : typeid(void); }
  template <class T>
  bool holds() const {
    return type_ != nullptr && *type_ == typeid(T);
  }
  /// The held T, or nullptr when empty or of another type.
  template <class T>
  const T* get() const {
    return holds<T>() ? static_cast<const T*>(ptr_.get()) : nullptr;
  }
  /// The held T; throws CodecError naming both types on a mismatch.
  template <class T>
  const T& as() const {
    if (const T* p = get<T>()) return *p;
    throw_type_mismatch(typeid(T));
  }
  const std::shared_ptr<const void>& shared() const { return ptr_; }

 private:
  [[noreturn]] void throw_type_mismatch(const std::type_info& wanted) const;

  std::shared_ptr<const void> ptr_;
  const std::type_info* type_ = nullptr;
};

/// Readable name of a C++ type (demangled), for messages.
std::string type_name(const std::type_info& type);

}  // namespace nuthatch
