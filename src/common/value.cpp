#include "nuthatch/value.hpp"

#include <fmt/format.h>

#include <utility>

namespace nuthatch {

std::string_view Value::kind_name(Kind k) {
  switch (k) {
    case Kind::null: return "null";
    case Kind::boolean: return "bool";
    case Kind::integer: return "integer";
    case Kind::floating: return "float";
    case Kind::string: return "string";
    case Kind::bytes: return "bytes";
    case Kind::array: return "array";
    case Kind::object: return "object";
  }
  return "?";
}

void Value::kind_mismatch(std::string_view wanted) const {
  throw KeyError(fmt::format("expected a value of kind {}, got {} {}", wanted,
                             kind_name(kind()), to_string()));
}

const std::string& Value::string_ref() const {
  if (auto* s = std::get_if<std::string>(&v_)) return *s;
  kind_mismatch("string");
}
const Bytes& Value::bytes_ref() const {
  if (auto* b = std::get_if<Bytes>(&v_)) return *b;
  kind_mismatch("bytes");
}

const Value::Array& Value::array_items() const {
  if (auto* a = std::get_if<Array>(&v_)) return *a;
  kind_mismatch("array");
}
Value::Array& Value::array_items() {
  if (is_null()) v_ = Array{};
  if (auto* a = std::get_if<Array>(&v_)) return *a;
  kind_mismatch("array");
}
const Value::Members& Value::members() const {
  if (auto* m = std::get_if<Members>(&v_)) return *m;
  kind_mismatch("object");
}
Value::Members& Value::members() {
  if (is_null()) v_ = Members{};
  if (auto* m = std::get_if<Members>(&v_)) return *m;
  kind_mismatch("object");
}

const Value* Value::find(std::string_view key) const {
  auto* m = std::get_if<Members>(&v_);
  if (m == nullptr) return nullptr;
  for (const auto& [k, v] : *m) {
    if (k == key) return &v;
  }
  return nullptr;
}

const Value& Value::operator[](std::string_view key) const {
  if (const Value* v = find(key)) return *v;
  if (!is_object()) kind_mismatch("object");
  throw KeyError(fmt::format("no member '{}' in {}", key, to_string()));
}

Value& Value::operator[](std::string_view key) {
  Members& m = members();
  for (auto& [k, v] : m) {
    if (k == key) return v;
  }
  m.emplace_back(std::string(key), Value());
  return m.back().second;
}

const Value& Value::operator[](std::size_t index) const {
  const Array& a = array_items();
  if (index >= a.size()) {
    throw KeyError(fmt::format("index {} out of range for an array of {}", index, a.size()));
  }
  return a[index];
}

Value& Value::operator[](std::size_t index) {
  return const_cast<Value&>(std::as_const(*this)[index]);
}

std::size_t Value::size() const {
  switch (kind()) {
    case Kind::array: return std::get<Array>(v_).size();
    case Kind::object: return std::get<Members>(v_).size();
    case Kind::string: return std::get<std::string>(v_).size();
    case Kind::bytes: return std::get<Bytes>(v_).size();
    default: return 0;
  }
}

void Value::push_back(Value v) { array_items().push_back(std::move(v)); }

bool operator==(const Value& a, const Value& b) { return a.v_ == b.v_; }

}  // namespace nuthatch
