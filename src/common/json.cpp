#include "common/json.hpp"
#include "common/json_value.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/base64.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch {
namespace {
using Json = nlohmann::ordered_json;

Json to_j(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::null: return nullptr;
    case Value::Kind::boolean: return v.as<bool>();
    case Value::Kind::integer: return v.as<std::int64_t>();
    case Value::Kind::floating: return v.as<double>();
    case Value::Kind::string: return v.string_ref();
    case Value::Kind::bytes: {
      Json j = Json::object();
      j["$bytes"] = base64_encode(v.bytes_ref().view());
      return j;
    }
    case Value::Kind::array: {
      Json j = Json::array();
      for (const auto& e : v.array_items()) j.push_back(to_j(e));
      return j;
    }
    case Value::Kind::object: {
      Json j = Json::object();
      for (const auto& [k, e] : v.members()) j[k] = to_j(e);
      return j;
    }
  }
  return nullptr;
}

Value from_j(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null: return Value();
    case Json::value_t::boolean: return Value(j.get<bool>());
    case Json::value_t::number_integer: return Value(j.get<std::int64_t>());
    case Json::value_t::number_unsigned: {
      auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<std::int64_t>(u));
    }
    case Json::value_t::number_float: return Value(j.get<double>());
    case Json::value_t::string: return Value(j.get<std::string>());
    case Json::value_t::array: {
      Value::Array a;
      a.reserve(j.size());
      for (const auto& e : j) a.push_back(from_j(e));
      return Value(std::move(a));
    }
    case Json::value_t::object: {
      if (j.size() == 1 && j.contains("$bytes") && j["$bytes"].is_string()) {
        if (auto raw = base64_decode(j["$bytes"].get<std::string>())) return Value(Bytes(*raw));
      }
      Value::Members m;
      m.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) m.emplace_back(it.key(), from_j(it.value()));
      return Value(std::move(m));
    }
    default: return Value();
  }
}
}  // namespace

nlohmann::ordered_json to_json_value(const Value& v) { return to_j(v); }

std::string to_json(const Value& v, int indent) {
  return to_j(v).dump(indent, ' ', false, Json::error_handler_t::replace);
}

Value from_json(std::string_view text, std::string_view what) {
  // nlohmann's parser keeps its own stack on the heap, but from_j and ~Value recurse once
  // per level: the parser stops at kMaxJsonDepth, before a deep document is even built.
  const auto limit_depth = [what](int depth, Json::parse_event_t event, Json&) {
    const bool opens = event == Json::parse_event_t::object_start ||
                       event == Json::parse_event_t::array_start;
    if (opens && static_cast<std::size_t>(depth) >= kMaxJsonDepth) {
      throw CodecError(fmt::format("malformed {}: arrays and objects nested deeper than {} levels",
                                   what, kMaxJsonDepth));
    }
    return true;
  };
  try {
    return from_j(Json::parse(text, limit_depth));
  } catch (const Json::exception& e) {
    throw CodecError(fmt::format("malformed {}: {}", what, e.what()));
  }
}

}  // namespace nuthatch
