#pragma once
// ObjectStorage: the Storage semantics every object-store driver (s3, gs, az) shares,
// written once over a handful of per-driver primitives. A driver keeps only its request
// shapes, its authorization (in its client) and its reading of error answers.
//
// What the core does, for every driver:
//  - keys: checked (check_storage_key), mapped to object names under the location's
//    root inside the bucket or container (ObjectRoot);
//  - read: a zero-length range is a stat; a range is asked for with a Range header and a
//    server that ignores it is answered with the cut range (http::body_of_range); a missing
//    object is std::nullopt;
//  - write: put(), or put_large() above large_threshold();
//  - write_if: put() with the condition, whose answer is read as every driver reads it
//    (http/conditional_write.hpp): a refusal after a retried attempt is our own write
//    when the stored MD5 is the MD5 of our bytes;
//  - list / list_pages: list_page() page by page, object names mapped back to paths, hidden
//    objects left out; remove / remove_prefix: unique names, delete_batch() on batches of
//    max_delete_batch() names, max_concurrency() batches at a time.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/storage.hpp"
#include "storage/http/transport.hpp"
#include "storage/storage_paths.hpp"

namespace nuthatch {

/// Metadata of an object as a driver reads it (head()).
struct ObjectHead {
  ObjectInfo info;
  std::string md5_hex;  ///< the stored MD5 of the bytes, lower-case hex; "" when unknown
};

/// One page of a listing: objects named by their full object name (ObjectInfo::path), and
/// the token of the next page ("" after the last).
struct ObjectPage {
  std::vector<ObjectInfo> objects;
  std::string next_token;
};

/// How put_large() cuts an object into parts (S3 multipart parts, Azure blocks): every
/// part but the last is `size` bytes; there are `count` of them.
struct PartLayout {
  std::uint64_t size = 1;
  std::size_t count = 0;

  /// Parts of at least `wanted` and `smallest` bytes (and 1), grown so that `total` bytes
  /// need no more than `max_parts` of them.
  static PartLayout of(std::uint64_t total, std::uint64_t wanted, std::uint64_t smallest,
                       std::uint64_t max_parts);
  /// The bytes of part `index` of `data`.
  std::string_view part(std::string_view data, std::size_t index) const;
};

class ObjectStorage : public Storage {
 public:
  std::string url() const final { return url_; }
  std::size_t preferred_parallel_reads() const final {
    return static_cast<std::size_t>(max_concurrency());
  }
  std::optional<std::string> read(std::string_view path, ByteRange range = {}) final;
  /// One GET: the bytes and the generation the answer carries (a stat and a read when the
  /// server sends none).
  std::optional<VersionedObject> read_versioned(std::string_view path) final;
  std::optional<ObjectInfo> stat(std::string_view path) final;
  void write(std::string_view path, std::string_view data) final;
  bool write_if(std::string_view path, std::string_view data,
                const WriteCondition& condition) final;
  std::vector<ObjectInfo> list(std::string_view prefix) final { return collect_pages(prefix); }
  void list_pages(std::string_view prefix, const ListPageCallback& page) final;
  void remove(const std::vector<std::string>& paths) final;
  std::size_t remove_prefix(std::string_view prefix) final;

 protected:
  /// `url` is the location as configured; trailing slashes are dropped.
  explicit ObjectStorage(std::string url);

  /// The object name of a location path ("<root>/<path>").
  std::string name_of(std::string_view path) const { return ObjectRoot{root()}.name_of(path); }
  /// write_if's reading of a conditional put's answer: won, lost, or fail()'s error.
  /// `refused`: the driver's reading of the status (the condition does not hold).
  bool settle_conditional_put(const std::string& name, std::string_view data,
                              const WriteCondition& condition, const http::Response& response,
                              bool refused) const;

  // ---- What a driver provides. `name` is a full object name; every request is sent
  // ---- through the driver's client (retries, concurrency bound).

  /// The location's root inside the bucket or container ("" or a path without end slashes).
  virtual const std::string& root() const = 0;
  /// Requests worth having in flight at once (the client's max_concurrency).
  virtual int max_concurrency() const = 0;
  /// Sizes above which write() uses put_large().
  virtual std::uint64_t large_threshold() const = 0;
  /// Names a delete_batch() takes at most.
  virtual std::size_t max_delete_batch() const { return 1; }
  /// Whether a listed location path is an in-flight object of the driver's own.
  virtual bool is_hidden(std::string_view /*path*/) const { return false; }

  /// GET of an object, with a Range header of value `*range` when `range` is set. Returns
  /// the answer, whatever its status.
  virtual http::Response get(const std::string& name, const std::string* range) const = 0;
  /// Whether an answer says the object does not exist (rather than its bucket).
  virtual bool is_missing(const http::Response& response) const = 0;
  /// The generation an answer to get() carries, std::nullopt when it carries none.
  virtual std::optional<std::string> generation_of(const http::Response& response) const = 0;
  /// Metadata of an object (info.path = `path`), or std::nullopt when it does not exist.
  virtual std::optional<ObjectHead> head(const std::string& name, std::string_view path) const = 0;
  /// One upload of the whole object under `condition` (none, if_absent, if_generation).
  /// Returns the answer, whatever its status.
  virtual http::Response put(const std::string& name, std::string_view data,
                             const WriteCondition& condition) const = 0;
  /// An upload in parts (multipart, resumable, block list) that makes the object appear
  /// at once when complete; throws StorageError on failure.
  virtual void put_large(const std::string& name, std::string_view data) const = 0;
  /// The conditional write of write_if (condition is not none). The default: put() with
  /// the condition, read by settle_conditional_put with refusal = 412.
  virtual bool put_if(const std::string& name, std::string_view data,
                      const WriteCondition& condition);
  /// Whether the response to a conditional put() is a refusal (default: 412).
  virtual bool is_refusal(const http::Response& response) const;
  /// One page of objects whose names start with `prefix`, from `token` ("" for the first).
  virtual ObjectPage list_page(const std::string& prefix, const std::string& token) const = 0;
  /// Deletes up to max_delete_batch() objects; missing ones are not an error.
  virtual void delete_batch(std::span<const std::string> names) const = 0;
  /// Throws StorageError: "<action> <object's URL>: <the answer, or why none came>".
  [[noreturn]] virtual void fail(std::string_view action, std::string_view name,
                                 const http::Response& response) const = 0;

  /// What a HEAD answer says of an object: Content-Length, Last-Modified and the ETag
  /// (unquoted) as its generation. info.path = `path`; `name` names it in errors.
  ObjectHead head_from_headers(const http::Response& response, std::string_view path,
                               std::string_view name) const;
  /// A size from a header or listing ("" is 0); a StorageError naming `name` otherwise
  /// when it is not a decimal number.
  std::uint64_t size_field(std::string_view text, std::string_view name) const;

 private:
  void delete_names(std::vector<std::string> names) const;

  std::string url_;
};

}  // namespace nuthatch
