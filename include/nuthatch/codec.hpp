#pragma once
/// Codecs (storage backends such as `basic`, `blob`, `zarr`) and the type traits that
/// map a C++ result type onto one of them.
///
/// A Codec stores one *stored type* (`basic`: nh::Value, `blob`: nh::Bytes, `zarr`:
/// nh::Dataset). Codecs register themselves by backend name (CodecRegistrar); the engine
/// looks them up by name and never switches on one.
///
/// `nh::codec<T>` maps a result type T to a stored type and names its default backend.
/// A user type specialises it:
///   template <> struct nuthatch::codec<Point> {
///     using stored_type = nuthatch::Value;
///     static constexpr std::string_view backend = "basic";
///     static nuthatch::Value encode(const Point& p) { return Value::array({p.x, p.y}); }
///     static Point decode(const nuthatch::Value& v) { return {v[0].as<double>(), ...}; }
///   };

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "nuthatch/boxed.hpp"
#include "nuthatch/ndarray.hpp"
#include "nuthatch/value.hpp"

namespace nuthatch {

class Storage;

/// A storage backend: how one stored type becomes bytes on storage and back.
/// Implementations are stateless and thread-safe.
class Codec {
 public:
  virtual ~Codec() = default;
  /// Backend name, e.g. "basic"; the manifest file name under meta/.
  virtual std::string_view name() const = 0;
  /// Payload extension, with the dot: ".msgpack", ".bin", ".zarr".
  virtual std::string_view extension() const = 0;
  /// The type this codec stores (typeid(Value), typeid(Bytes), typeid(Dataset)).
  virtual const std::type_info& stored_type() const = 0;

  /// True for codecs whose payloads run code when the front end decodes them (pickle).
  /// The engine loads such entries only from locations that trust them (`trust_pickle`:
  /// root and local by default, a mirror only when it sets it); elsewhere they are a miss.
  virtual bool runs_code_on_read() const { return false; }

  /// True for codecs whose payload is one byte string. The engine then checksums it,
  /// inlines it in the manifest when small, or writes it to the payload path.
  virtual bool single_file() const { return true; }
  /// Whether payloads of this backend are written and read by a front end (the Python
  /// package) and never by the engine, whose write_tree / read_tree then throw CodecError
  /// naming who does: `delta`, `sql`, and backends Python's register_backend adds.
  virtual bool front_end_payload() const { return false; }
  /// Single-file: encodes a Boxed stored value. Throws CodecError.
  virtual std::string encode(const Boxed& value, const Value& kwargs) const;
  /// Single-file: decodes bytes into a Boxed stored value. Throws CodecError on corrupt
  /// input, naming the cause.
  virtual Boxed decode(std::string_view bytes, const Value& kwargs) const;

  /// Multi-file codecs write a tree of objects under `path` (a prefix ending in '/')
  /// and return the bytes written.
  virtual std::uint64_t write_tree(const Boxed& value, Storage& storage, const std::string& path,
                                   const Value& kwargs) const;
  virtual Boxed read_tree(Storage& storage, const std::string& path, const Value& kwargs) const;
  /// Reads part of a tree: at least the elements `range` names (CoordinateRange). The
  /// default reads the whole tree.
  virtual Boxed read_tree(Storage& storage, const std::string& path, const Value& kwargs,
                          const CoordinateRange& range) const;

  /// Partitioned tree codecs (parquet), for front ends that write the partitions of a
  /// payload themselves (a dask DataFrame, task by task): the object name of partition
  /// `index` under the payload. "" for codecs whose payloads are not partitioned.
  virtual std::string partition_name(std::size_t index) const { return {}; }
  /// The object such a writer writes last, once all `count` partitions are written (the
  /// record of how many there are); "" when the codec records none.
  virtual std::string partitions_written_name(std::size_t count) const { return {}; }

  /// Codecs whose payloads hold something outside their storage (the `sql` backend: a
  /// database table named by a record in the payload) release it here, before the
  /// payload's objects are removed (a retired payload collected by `nuthatch gc`, an
  /// unpublished one discarded). `settings` holds the configuration parameters named by
  /// release_settings(), resolved for the location holding the payload and this backend
  /// (absent ones left out). Throws StorageError when it cannot: the payload is then kept,
  /// for a later gc. The default has nothing to release.
  virtual std::vector<std::string> release_settings() const { return {}; }
  virtual void release_payload(Storage& storage, const std::string& payload,
                               const Value& settings) const {}
};

using CodecPtr = std::shared_ptr<const Codec>;

/// Registry of codecs by backend name.
class CodecRegistry {
 public:
  static void add(CodecPtr codec);
  /// The codec for a backend; throws ConfigError listing the registered backends.
  static const Codec& get(std::string_view name);
  static const Codec* find(std::string_view name);
  static std::vector<std::string> names();
};

struct CodecRegistrar {
  explicit CodecRegistrar(CodecPtr codec) { CodecRegistry::add(std::move(codec)); }
};

/// Registers a backend whose payloads a front end writes and reads itself (the Python
/// package's `register_backend`, for backend classes written for the original Nuthatch).
/// The engine keeps its entries (keys, manifests, commits, retirement) and gives each a
/// directory payload `<name>-<entry_id><extension>/`; a C++ read of one is a CodecError.
/// `name`: a-z, 0-9, _; `extension`: '.' then a-z, 0-9. Registering the same name and
/// extension again does nothing; a name taken by another codec is a ConfigError.
void register_front_end_backend(std::string_view name, std::string_view extension);

// --- Value conversions used by codec<T> for the `basic` backend -----------------------

namespace detail {
template <class T> struct is_vector : std::false_type {};
template <class T, class A> struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T> struct is_string_map : std::false_type {};
template <class T, class C, class A>
struct is_string_map<std::map<std::string, T, C, A>> : std::true_type {};
}  // namespace detail

/// Whether T converts to and from a Value (the built-in `basic` types).
template <class T>
constexpr bool is_basic_type() {
  if constexpr (std::is_same_v<T, Value> || std::is_arithmetic_v<T> ||
                std::is_same_v<T, std::string>) {
    return true;
  } else if constexpr (detail::is_vector<T>::value) {
    return is_basic_type<typename T::value_type>();
  } else if constexpr (detail::is_string_map<T>::value) {
    return is_basic_type<typename T::mapped_type>();
  } else {
    return false;
  }
}

template <class T>
Value basic_to_value(const T& v) {
  if constexpr (std::is_same_v<T, Value>) {
    return v;
  } else if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, std::string>) {
    return Value(v);
  } else if constexpr (detail::is_vector<T>::value) {
    Value::Array a;
    a.reserve(v.size());
    for (const auto& e : v) a.push_back(basic_to_value(e));
    return Value(std::move(a));
  } else {
    Value::Members m;
    m.reserve(v.size());
    for (const auto& [k, e] : v) m.emplace_back(k, basic_to_value(e));
    return Value(std::move(m));
  }
}

template <class T>
T basic_from_value(const Value& v) {
  if constexpr (std::is_same_v<T, Value>) {
    return v;
  } else if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, std::string>) {
    return v.as<T>();
  } else if constexpr (detail::is_vector<T>::value) {
    T out;
    out.reserve(v.size());
    for (const auto& e : v.array_items()) out.push_back(basic_from_value<typename T::value_type>(e));
    return out;
  } else {
    T out;
    for (const auto& [k, e] : v.members()) out.emplace(k, basic_from_value<typename T::mapped_type>(e));
    return out;
  }
}

/// Maps a result type to its stored type and default backend. Specialise for user types.
template <class T, class Enable = void>
struct codec;

template <class T>
struct codec<T, std::enable_if_t<is_basic_type<T>()>> {
  using stored_type = Value;
  static constexpr std::string_view backend = "basic";
  static Value encode(const T& v) { return basic_to_value(v); }
  static T decode(const Value& v) { return basic_from_value<T>(v); }
};

template <>
struct codec<Bytes> {
  using stored_type = Bytes;
  static constexpr std::string_view backend = "blob";
  static const Bytes& encode(const Bytes& b) { return b; }
  static Bytes decode(const Bytes& b) { return b; }
};

template <>
struct codec<Dataset> {
  using stored_type = Dataset;
  static constexpr std::string_view backend = "zarr";
  static const Dataset& encode(const Dataset& d) { return d; }
  static Dataset decode(const Dataset& d) { return d; }
};

/// An NDArray is stored as a one-variable dataset, with xarray's name for an unnamed
/// DataArray and dims dim_0, dim_1, ...
template <>
struct codec<NDArray> {
  using stored_type = Dataset;
  static constexpr std::string_view backend = "zarr";
  static constexpr std::string_view variable = "__xarray_dataarray_variable__";
  static Dataset encode(const NDArray& a);
  static NDArray decode(const Dataset& d);
};

// --- memory accounting for the memoizer ------------------------------------------------

std::size_t memory_size(const Value& v);
inline std::size_t memory_size(const Bytes& b) { return sizeof(Bytes) + b.size(); }
inline std::size_t memory_size(const std::string& s) { return sizeof(std::string) + s.size(); }
std::size_t memory_size(const NDArray& a);
std::size_t memory_size(const Dataset& d);
template <class T>
std::size_t memory_size(const T& v) {
  if constexpr (detail::is_vector<T>::value) {
    std::size_t n = sizeof(T);
    for (const auto& e : v) n += memory_size(e);
    return n;
  } else if constexpr (detail::is_string_map<T>::value) {
    std::size_t n = sizeof(T);
    for (const auto& [k, e] : v) n += 48 + k.size() + memory_size(e);
    return n;
  } else {
    return sizeof(T);
  }
}

}  // namespace nuthatch
