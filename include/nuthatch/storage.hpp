#pragma once
/// Storage: a flat key-value view of one location (a URL prefix), the layer every codec
/// and the metastore write through. Keys are relative, '/'-separated paths. Drivers
/// register themselves by URL scheme (see StorageRegistry); the engine never names one.
///
/// Contract for every driver (checked by the storage conformance suite):
///  - read / stat of a missing object is std::nullopt, never an exception;
///  - write() replaces an object atomically: a concurrent reader sees the old bytes or the
///    new bytes, never a mix;
///  - write_if() is a compare-and-swap on the object's generation, used for manifests;
///  - list() returns every object under a prefix, in no particular order; list_pages()
///    streams the same objects a bounded page at a time;
///  - remove() of a missing object is not an error.
/// All methods are thread-safe.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/value.hpp"

namespace nuthatch {

/// Metadata of one stored object.
struct ObjectInfo {
  std::string path;        ///< relative to the location
  std::uint64_t size = 0;  ///< bytes
  std::int64_t mtime_ns = 0;  ///< last modification, ns since the epoch (0 when unknown)
  std::string generation;  ///< opaque version tag: changes on every replacement
};

/// A byte range [offset, offset + length); length std::nullopt reads to the end.
struct ByteRange {
  std::uint64_t offset = 0;
  std::optional<std::uint64_t> length;
};

/// An object's bytes and the generation they belong to.
struct VersionedObject {
  std::string data;
  std::string generation;
};

/// Precondition of a conditional write.
struct WriteCondition {
  enum class Kind { none, if_absent, if_generation };
  Kind kind = Kind::none;
  std::string generation;  ///< for if_generation
  static WriteCondition none() { return {}; }
  static WriteCondition if_absent() { return {Kind::if_absent, {}}; }
  static WriteCondition if_generation(std::string g) { return {Kind::if_generation, std::move(g)}; }
};

/// Receives one page of a streamed listing (Storage::list_pages). It may move the objects
/// out of the vector; the vector is cleared after it returns.
using ListPageCallback = std::function<void(std::vector<ObjectInfo>& page)>;

class Storage {
 public:
  /// About how many objects a page of list_pages() holds on drivers that choose their page
  /// size (file, memory). Object stores hand over their own pages (S3 `max_keys`, GCS and
  /// Azure `max_results`, 1000 by default).
  static constexpr std::size_t kListPageSize = 1000;

  virtual ~Storage() = default;

  /// The location's URL, as configured (for messages; never holds credentials).
  virtual std::string url() const = 0;
  /// Whether writes are refused (mirrors, http).
  virtual bool read_only() const { return false; }
  /// How many reads are worth having in flight at once: a hint for readers of many
  /// objects (the zarr codec fetches up to this many chunks ahead of its decoding). 1,
  /// the default, suits storage whose reads cost CPU rather than waiting (local files,
  /// memory): readers then read on their compute threads. The object-store drivers
  /// answer their client's max_concurrency.
  virtual std::size_t preferred_parallel_reads() const { return 1; }

  /// Reads an object, or a byte range of it. std::nullopt when it does not exist.
  virtual std::optional<std::string> read(std::string_view path, ByteRange range = {}) = 0;
  /// Reads a whole object with its generation; std::nullopt when it does not exist. The
  /// generation is never newer than the bytes, so a compare-and-swap against it fails
  /// safely when the object changed. The default stats, then reads (two requests on an
  /// object store); drivers whose GET answers with the version override it (one).
  virtual std::optional<VersionedObject> read_versioned(std::string_view path);
  /// Size, time and generation of an object; std::nullopt when it does not exist.
  virtual std::optional<ObjectInfo> stat(std::string_view path) = 0;
  /// Writes (creates or replaces) an object atomically.
  virtual void write(std::string_view path, std::string_view data) = 0;
  /// Writes only when `condition` holds; returns false (and writes nothing) when it does
  /// not. Atomic against concurrent write_if calls from any process.
  virtual bool write_if(std::string_view path, std::string_view data,
                        const WriteCondition& condition) = 0;
  /// Every object whose path starts with `prefix` (a prefix ending in '/' lists a
  /// "directory" recursively). Hidden temporary objects of in-flight writes are omitted.
  virtual std::vector<ObjectInfo> list(std::string_view prefix) = 0;
  /// The objects list(prefix) returns, streamed: `page` is called with one non-empty page
  /// at a time, so a scan of a whole location (`nuthatch gc`) holds one page in memory,
  /// not the listing. Each object present for the whole scan is reported exactly once;
  /// objects written or removed during the scan may or may not be. `page` may remove the
  /// objects it was given. An exception from `page` stops the scan and propagates. The
  /// default calls list() and hands its result over in pages of kListPageSize.
  virtual void list_pages(std::string_view prefix, const ListPageCallback& page);
  /// Removes objects; missing ones are ignored.
  virtual void remove(const std::vector<std::string>& paths) = 0;
  /// Removes every object under a prefix (a payload directory); returns how many.
  virtual std::size_t remove_prefix(std::string_view prefix);

  /// Makes `prefix` (an object, or a directory of them) and the directories that lead to
  /// it survive a crash of the machine, before a manifest names it: for a payload that a
  /// front end or a library wrote straight into local_directory() (pyarrow, dask,
  /// delta-rs), bypassing write(). Nothing when `prefix` does not exist. Throws
  /// StorageError when it cannot be done. The
  /// default does nothing: a write() that returned is durable already (object stores).
  virtual void make_durable(std::string_view prefix) {}

  /// A URL (or local path) naming `path` inside this location, for uri() and messages.
  virtual std::string url_of(std::string_view path) const;

  /// The directory that holds this location on the local file system, for front ends
  /// and libraries that write or read paths themselves (pyarrow, dask); std::nullopt for
  /// storage that is not a local directory (DriverTraits::local_directories).
  virtual std::optional<std::string> local_directory() const { return std::nullopt; }

  /// The options with which the Rust `object_store` crate (used by delta-rs, the Delta
  /// Lake library of the Python package's `delta` backend) reaches this location: its
  /// configuration keys (e.g. AWS_ENDPOINT_URL), with the credentials this driver
  /// resolved from `filesystem_options`, the environment or profile files. An empty
  /// object for a local directory; std::nullopt (the default) for storage that library
  /// cannot reach. The values hold secrets: they are handed to that library, never logged.
  virtual std::optional<Value> object_store_options() const { return std::nullopt; }

  /// What a write in flight (or a crashed writer) leaves where writes are not atomic
  /// (the file driver's temporary files), for `nuthatch gc`.
  struct TempEntry {
    std::string path;           ///< relative to the location, like a key
    std::uint64_t size = 0;     ///< bytes (of the entry itself for a directory)
    std::int64_t mtime_ns = 0;  ///< last modification, ns since the epoch
    bool is_directory = false;  ///< a temp directory, removed with all it holds
  };
  /// Calls `visit` for every temporary entry below the location. The default reports
  /// none: object stores write an object in one request and leave nothing behind.
  virtual void list_temp_files(const std::function<void(const TempEntry&)>& visit) {}
  /// Removes a temporary entry that list_temp_files() reported; false when it was
  /// already gone. The default has none to remove.
  virtual bool remove_temp(std::string_view path) { return false; }

 protected:
  /// Every page of list_pages(prefix) in one vector: list() of drivers that stream.
  std::vector<ObjectInfo> collect_pages(std::string_view prefix);
};

using StoragePtr = std::shared_ptr<Storage>;

/// Where a multi-file payload lives: its URL (StorageRegistry::open(url, storage_options)
/// opens it as a location of its own) and the `filesystem_options` of the level that
/// holds it (credentials included: never log them).
struct PayloadLocation {
  std::string url;
  Value storage_options = Value::object();
  /// What a reader does with a chunk that is absent: "fill" (the format's rule: an
  /// unwritten chunk holds the fill value) or "error" (the payload's writer wrote every
  /// chunk, so an absent one was removed or damaged: reading it is a CodecError). Entries
  /// written by the engine are "error"; imported ones, which may be sparse, are "fill".
  std::string missing_chunks = "fill";
  /// Which entry the payload is: the location holding it (e.g. "root", for settings the
  /// front end resolves there), its namespace, key and entry id. Empty when unknown.
  std::string location;
  std::string ns;
  std::string key;
  std::string entry_id;
};

/// Builds a driver for a URL and its options (`filesystem_options`).
using StorageFactory = std::function<StoragePtr(const std::string& url, const Value& options)>;

/// What a driver's locations are, known from the URL alone (no driver is opened, so no
/// credentials are needed to ask).
struct DriverTraits {
  /// Locations are directories of the local file system: Storage::local_directory()
  /// names them, for front ends and libraries that take paths (pyarrow, dask).
  bool local_directories = false;
  /// Objects live inside one process: tasks in other processes (dask workers) cannot
  /// reach them.
  bool in_process = false;
};

/// Driver registry by URL scheme. A driver registers from its own source file with a
/// static StorageRegistrar; the core never includes a driver header.
class StorageRegistry {
 public:
  static void add(std::string scheme, StorageFactory factory, DriverTraits traits = {});
  /// The traits of the driver of `url`'s scheme (the defaults when none is registered).
  static DriverTraits traits_of(std::string_view url);
  /// Opens a location. A bare path (no "scheme://") uses the `file` driver; `~` is
  /// expanded. Throws ConfigError naming the scheme and the schemes that exist when no
  /// driver handles it.
  static StoragePtr open(const std::string& url, const Value& options = Value::object());
  static std::vector<std::string> schemes();
  /// "s3" for "s3://b/p", "file" for "/tmp/x" and "file:///tmp/x".
  static std::string scheme_of(std::string_view url);
};

struct StorageRegistrar {
  StorageRegistrar(std::string scheme, StorageFactory factory, DriverTraits traits = {}) {
    StorageRegistry::add(std::move(scheme), std::move(factory), traits);
  }
};

}  // namespace nuthatch
