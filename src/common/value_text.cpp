// Canonical text of values (Value::to_string): the text keys are made of (DESIGN §2,
// keys' render_key_value) and the form values take in messages. The Python binding hands
// the engine the same nh::Value for the same Python argument, so this text, and therefore
// every key, is identical whichever language made the call.

#include <string>

#include "common/float_repr.hpp"
#include "nuthatch/value.hpp"

namespace nuthatch {
namespace {

constexpr char kLowerHex[] = "0123456789abcdef";

void append_hex(std::string& out, std::string_view bytes) {
  for (unsigned char c : bytes) {
    out.push_back(kLowerHex[c >> 4]);
    out.push_back(kLowerHex[c & 0xf]);
  }
}

// JSON string escaping as Python's json.dumps(ensure_ascii=False) does it: quotes,
// backslashes and control characters are escaped, other bytes (UTF-8) pass unchanged.
void append_quoted(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kLowerHex[c >> 4]);
          out.push_back(kLowerHex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

// `nested` is true inside arrays and objects, where strings are quoted.
void render(std::string& out, const Value& v, bool nested) {
  switch (v.kind()) {
    case Value::Kind::null: out += "null"; return;
    case Value::Kind::boolean: out += v.as<bool>() ? "true" : "false"; return;
    case Value::Kind::integer: out += std::to_string(v.as<std::int64_t>()); return;
    case Value::Kind::floating: out += python_float_repr(v.as<double>()); return;
    case Value::Kind::string: {
      const std::string& s = v.string_ref();
      if (nested) {
        append_quoted(out, s);
      } else {
        out += s;
      }
      return;
    }
    case Value::Kind::bytes:
      out += "hex:";
      append_hex(out, v.bytes_ref().view());
      return;
    case Value::Kind::array: {
      out.push_back('[');
      bool first = true;
      for (const Value& e : v.array_items()) {
        if (!first) out.push_back(',');
        first = false;
        render(out, e, true);
      }
      out.push_back(']');
      return;
    }
    case Value::Kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.members()) {
        if (!first) out.push_back(',');
        first = false;
        append_quoted(out, k);
        out.push_back(':');
        render(out, e, true);
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

std::string Value::to_string() const {
  std::string out;
  render(out, *this, false);
  return out;
}

}  // namespace nuthatch
