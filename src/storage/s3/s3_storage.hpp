#pragma once
// The `s3` storage driver: a location is "s3://bucket[/prefix]" on AWS S3 or any
// S3-compatible server (MinIO, Ceph, moto, ...); each key is the object
// "<prefix>/<key>". Options and credentials: s3_options.hpp. Requests are signed with
// SigV4 and sent through the shared HTTP client (retries, pooled connections).
//
//  - read: GET, ranged with a Range header; 404 -> std::nullopt.
//  - stat: HEAD; generation = the ETag (a content hash for single-part objects, so two
//    writes of identical bytes share a generation; a compare-and-swap on it then compares
//    content, which is what a manifest swap needs).
//  - write: one PUT, or above multipart_threshold a multipart upload with parts sent in
//    parallel (s3_multipart.cpp), aborted on failure.
//  - write_if: conditional PUT (If-None-Match: * / If-Match: <etag>) where the server
//    enforces it; otherwise an emulation that is atomic only within this process
//    (s3_conditional.cpp).
//  - list: ListObjectsV2, page by page (list_pages streams them); remove: DeleteObjects, 1000 keys per request.

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/storage.hpp"
#include "storage/s3/s3_client.hpp"

namespace nuthatch {

class S3Storage final : public Storage {
 public:
  /// Opens the location `url` with its `filesystem_options`; no request is sent. Throws
  /// ConfigError for a malformed URL or option, or missing credentials (see
  /// s3::resolve_s3_options). `transport` replaces the curl transport (tests).
  S3Storage(std::string url, const Value& options,
            http::TransportPtr transport = http::default_transport());

  std::string url() const override { return url_; }
  std::size_t preferred_parallel_reads() const override {
    return static_cast<std::size_t>(options().client.max_concurrency);
  }
  std::optional<std::string> read(std::string_view path, ByteRange range = {}) override;
  /// One GET: the body and its ETag.
  std::optional<VersionedObject> read_versioned(std::string_view path) override;
  std::optional<ObjectInfo> stat(std::string_view path) override;
  void write(std::string_view path, std::string_view data) override;
  bool write_if(std::string_view path, std::string_view data,
                const WriteCondition& condition) override;
  std::vector<ObjectInfo> list(std::string_view prefix) override;
  void list_pages(std::string_view prefix, const ListPageCallback& page) override;
  void remove(const std::vector<std::string>& paths) override;
  std::size_t remove_prefix(std::string_view prefix) override;

  /// How this location's write_if is carried out (probing the server on first use when
  /// the option is "auto"): native or emulated.
  s3::ConditionalWrites conditional_writes();

  const s3::S3Options& options() const { return client_.options(); }

  /// Name prefix of the short-lived object the conditional-write probe writes at the
  /// location's root; list() hides it like any in-flight write.
  static constexpr std::string_view kProbePrefix = ".nh-probe-";

 private:
  /// The object key of a location path ("<prefix>/<path>").
  std::string key_of(std::string_view path) const;
  /// Single PUT with extra headers; returns the response (any status).
  http::Response put(const std::string& key, std::string_view data,
                     const http::Headers& headers) const;
  void put_multipart(const std::string& key, std::string_view data) const;
  bool write_if_native(const std::string& key, std::string_view data,
                       const WriteCondition& condition, bool* unsupported);
  bool write_if_emulated(const std::string& key, std::string_view path, std::string_view data,
                         const WriteCondition& condition);
  s3::ConditionalWrites probe_conditional_writes();
  std::optional<ObjectInfo> head(const std::string& key, std::string_view path) const;
  void delete_keys(const std::vector<std::string>& keys) const;

  std::string url_;
  s3::S3Client client_;
  /// Set when the server answered a conditional PUT with NotImplemented.
  std::atomic<bool> fallen_back_{false};
};

}  // namespace nuthatch
