// The `basic` backend: an nh::Value as one msgpack document, readable and writable by
// Python's msgpack (packb(..., use_bin_type=True) / unpackb(..., raw=False)).
//
// Writing uses the smallest msgpack form for each value (as every msgpack library does):
// non-negative integers as positive fixint / uint, negative ones as negative fixint / int,
// floats always as float64, text as str, nh::Bytes as bin, objects as maps in their order.
// Reading also accepts float32 and uint64 up to INT64_MAX; it rejects, with a message
// naming the cause and the byte offset: truncated data, trailing bytes, the reserved byte
// 0xc1, extension types, map keys that are not strings, integers beyond int64 and
// nesting deeper than kMaxDepth (the limit Python's msgpack also enforces).

#ifndef MSGPACK_NO_BOOST
#define MSGPACK_NO_BOOST
#endif
#include <msgpack.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch {
namespace {

constexpr std::string_view kName = "basic";
constexpr std::size_t kMaxDepth = 1024;
/// Elements reserved up front for an array or map, whatever its header announces.
constexpr std::size_t kMaxReserve = 1024;

[[noreturn]] void fail(const std::string& cause) {
  throw CodecError(std::string(kName) + ": " + cause);
}

// --- encoding ------------------------------------------------------------------------

// msgpack::packer writes into any type with write(const char*, size_t).
struct StringSink {
  std::string& out;
  void write(const char* data, std::size_t size) { out.append(data, size); }
};

using Packer = msgpack::packer<StringSink>;

// msgpack-cxx 4's pack_double writes whole-valued doubles (and -0.0) as integers, which
// would change the kind of a value on its way through the cache. Python writes every
// float as float64 (0xcb, big-endian IEEE 754); so do we.
void pack_float64(StringSink& sink, double d) {
  constexpr unsigned char kFloat64 = 0xcb;
  constexpr int kBytes = 8;
  const auto bits = std::bit_cast<std::uint64_t>(d);
  char buf[1 + kBytes];
  buf[0] = static_cast<char>(kFloat64);
  for (int i = 0; i < kBytes; ++i) {
    buf[1 + i] = static_cast<char>((bits >> (8 * (kBytes - 1 - i))) & 0xff);
  }
  sink.write(buf, sizeof buf);
}

std::uint32_t checked_length(std::size_t n, std::string_view what) {
  if (n > std::numeric_limits<std::uint32_t>::max()) {
    fail(std::string(what) + " of " + std::to_string(n) + " is too large for msgpack");
  }
  return static_cast<std::uint32_t>(n);
}

void pack(StringSink& sink, Packer& packer, const Value& v, std::size_t depth) {
  if (depth > kMaxDepth) fail("value nested deeper than " + std::to_string(kMaxDepth) + " levels");
  switch (v.kind()) {
    case Value::Kind::null: packer.pack_nil(); return;
    case Value::Kind::boolean: v.as<bool>() ? packer.pack_true() : packer.pack_false(); return;
    case Value::Kind::integer: packer.pack_int64(v.as<std::int64_t>()); return;
    case Value::Kind::floating: pack_float64(sink, v.as<double>()); return;
    case Value::Kind::string: {
      const std::string& s = v.string_ref();
      packer.pack_str(checked_length(s.size(), "string length"));
      packer.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
      return;
    }
    case Value::Kind::bytes: {
      const Bytes& b = v.bytes_ref();
      packer.pack_bin(checked_length(b.size(), "bytes length"));
      packer.pack_bin_body(b.view().data(), static_cast<std::uint32_t>(b.size()));
      return;
    }
    case Value::Kind::array: {
      const Value::Array& items = v.array_items();
      packer.pack_array(checked_length(items.size(), "array length"));
      for (const Value& e : items) pack(sink, packer, e, depth + 1);
      return;
    }
    case Value::Kind::object: {
      const Value::Members& members = v.members();
      packer.pack_map(checked_length(members.size(), "object size"));
      for (const auto& [k, e] : members) {
        packer.pack_str(checked_length(k.size(), "key length"));
        packer.pack_str_body(k.data(), static_cast<std::uint32_t>(k.size()));
        pack(sink, packer, e, depth + 1);
      }
      return;
    }
  }
}

// --- decoding ------------------------------------------------------------------------

// Builds a Value from msgpack-cxx's parse events without an intermediate msgpack::object.
// A callback returning false stops the parser; `error` then says why.
class ValueBuilder : public msgpack::null_visitor {
 public:
  explicit ValueBuilder(std::size_t input_size) : input_size_(input_size) {}

  bool visit_nil() { return emit(Value()); }
  bool visit_boolean(bool b) { return emit(Value(b)); }
  bool visit_positive_integer(std::uint64_t u) {
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return stop("unsigned integer " + std::to_string(u) + " is out of int64 range");
    }
    return emit(Value(static_cast<std::int64_t>(u)));
  }
  bool visit_negative_integer(std::int64_t i) { return emit(Value(i)); }
  bool visit_float32(float f) { return emit(Value(static_cast<double>(f))); }
  bool visit_float64(double d) { return emit(Value(d)); }
  bool visit_str(const char* data, std::uint32_t size) {
    return emit(Value(size == 0 ? std::string() : std::string(data, size)));
  }
  bool visit_bin(const char* data, std::uint32_t size) {
    return emit(Value(size == 0 ? Bytes() : Bytes(data, size)));
  }
  bool visit_ext(const char* data, std::uint32_t size) {
    const int type = size > 0 ? static_cast<signed char>(data[0]) : 0;
    return stop("msgpack extension type " + std::to_string(type) + " is not supported");
  }
  bool start_array(std::uint32_t n) {
    Value::Array items;
    items.reserve(bounded(n));
    return open(Value(std::move(items)));
  }
  bool end_array() { return close(); }
  bool start_map(std::uint32_t n) {
    Value::Members members;
    members.reserve(bounded(n));
    return open(Value(std::move(members)));
  }
  bool start_map_key() {
    stack_.back().key_next = true;
    return true;
  }
  bool start_map_value() {
    stack_.back().key_next = false;
    return true;
  }
  bool end_map() { return close(); }
  void parse_error(std::size_t /*parsed_offset*/, std::size_t error_offset) {
    error_offset_ = error_offset;
  }
  void insufficient_bytes(std::size_t /*parsed_offset*/, std::size_t error_offset) {
    truncated_ = true;
    error_offset_ = error_offset;
  }

  Value take_result() { return std::move(result_); }
  const std::string& error() const { return error_; }
  bool truncated() const { return truncated_; }
  std::size_t error_offset() const { return error_offset_; }

 private:
  struct Frame {
    Value container;
    std::string key;
    bool key_next = false;
  };

  // Every element takes at least one byte, so no honest header announces more elements
  // than there are bytes; and a lying header on each of kMaxDepth nested containers must
  // not make us allocate gigabytes either: reserve at most kMaxReserve, grow beyond it as
  // elements really arrive.
  std::size_t bounded(std::uint32_t n) const {
    return std::min({static_cast<std::size_t>(n), input_size_, kMaxReserve});
  }

  bool stop(std::string cause) {
    error_ = std::move(cause);
    return false;
  }

  bool open(Value container) {
    if (stack_.size() >= kMaxDepth) {
      return stop("value nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    stack_.push_back(Frame{std::move(container), {}, false});
    return true;
  }

  bool close() {
    Value done = std::move(stack_.back().container);
    stack_.pop_back();
    return emit(std::move(done));
  }

  bool emit(Value v) {
    if (stack_.empty()) {
      result_ = std::move(v);
      return true;
    }
    Frame& top = stack_.back();
    if (top.container.is_array()) {
      top.container.array_items().push_back(std::move(v));
    } else if (top.key_next) {
      if (!v.is_string()) {
        return stop("map key of kind " + std::string(Value::kind_name(v.kind())) +
                    " is not a string");
      }
      top.key = v.as<std::string>();
    } else {
      top.container.members().emplace_back(std::move(top.key), std::move(v));
    }
    return true;
  }

  std::size_t input_size_;
  std::vector<Frame> stack_;
  Value result_;
  std::string error_;
  bool truncated_ = false;
  std::size_t error_offset_ = 0;
};

Value unpack(std::string_view bytes) {
  if (bytes.empty()) fail("empty payload (no msgpack value)");
  ValueBuilder builder(bytes.size());
  std::size_t offset = 0;
  bool ok = false;
  try {
    ok = msgpack::parse(bytes.data(), bytes.size(), offset, builder);
  } catch (const std::bad_alloc&) {
    fail("msgpack value of " + std::to_string(bytes.size()) + " bytes does not fit in memory");
  } catch (const std::exception& e) {  // msgpack-cxx throws for impossible sizes
    fail(std::string("corrupt msgpack data (") + e.what() + ")");
  }
  const std::string size = std::to_string(bytes.size());
  if (!builder.error().empty()) {
    fail(builder.error() + " (near byte " + std::to_string(offset) + " of " + size + ")");
  }
  if (builder.truncated()) {
    fail("truncated msgpack data (" + size + " bytes; more expected from byte " +
         std::to_string(builder.error_offset()) + ")");
  }
  if (!ok) {
    const std::size_t at = std::min(builder.error_offset(), bytes.size() - 1);
    char type[8];
    std::snprintf(type, sizeof type, "0x%02x", static_cast<unsigned char>(bytes[at]));
    fail("corrupt msgpack data (invalid type byte " + std::string(type) + " at byte " +
         std::to_string(at) + ")");
  }
  if (offset != bytes.size()) {
    fail("trailing bytes after value (the value ends at byte " + std::to_string(offset) +
         " of " + size + ")");
  }
  return builder.take_result();
}

class BasicCodec final : public Codec {
 public:
  std::string_view name() const override { return kName; }
  std::string_view extension() const override { return ".msgpack"; }
  const std::type_info& stored_type() const override { return typeid(Value); }

  std::string encode(const Boxed& value, const Value& kwargs) const override {
    if (value.empty()) fail("nothing to encode (empty value)");
    if (!value.holds<Value>()) {
      fail("cannot encode " + type_name(value.type()) + ", expected nuthatch::Value");
    }
    std::string out;
    StringSink sink{out};
    Packer packer(sink);
    pack(sink, packer, value.as<Value>(), 0);
    return out;
  }

  Boxed decode(std::string_view bytes, const Value& kwargs) const override {
    return Boxed::make(unpack(bytes));
  }
};

const CodecRegistrar kBasic(std::make_shared<BasicCodec>());

}  // namespace
}  // namespace nuthatch
