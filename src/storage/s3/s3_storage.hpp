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
//  - list: ListObjectsV2, page by page (list_pages streams them); remove: DeleteObjects,
//    1000 keys per request.
//
// The Storage semantics are ObjectStorage's (storage/object/object_storage.hpp); this
// driver supplies its primitives.

#include <atomic>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "storage/object/object_storage.hpp"
#include "storage/s3/s3_client.hpp"

namespace nuthatch {

/// The s3 driver: ObjectStorage's primitives as S3 requests.
class S3Storage final : public ObjectStorage {
 public:
  /// Opens the location `url` with its `filesystem_options`; no request is sent. Throws
  /// ConfigError for a malformed URL or option, or missing credentials (see
  /// s3::resolve_s3_options). `transport` replaces the curl transport (tests).
  S3Storage(std::string url, const Value& options,
            http::TransportPtr transport = http::default_transport());

  /// How this location's write_if is carried out (probing the server on first use when
  /// the option is "auto"): native or emulated.
  s3::ConditionalWrites conditional_writes();

  const s3::S3Options& options() const { return client_.options(); }

  /// The AWS_* keys of the endpoint, region, addressing style and credentials resolved.
  std::optional<Value> object_store_options() const override;

  /// Name prefix of the short-lived object the conditional-write probe writes at the
  /// location's root; list() hides it like any in-flight write.
  static constexpr std::string_view kProbePrefix = ".nh-probe-";

 private:
  const std::string& root() const override { return options().prefix; }
  int max_concurrency() const override { return options().client.max_concurrency; }
  std::uint64_t large_threshold() const override { return options().multipart_threshold; }
  std::size_t max_delete_batch() const override;
  bool is_hidden(std::string_view path) const override { return path.starts_with(kProbePrefix); }

  http::Response get(const std::string& key, const std::string* range) const override;
  bool is_missing(const http::Response& response) const override;
  std::optional<std::string> generation_of(const http::Response& response) const override;
  std::optional<ObjectHead> head(const std::string& key, std::string_view path) const override;
  http::Response put(const std::string& key, std::string_view data,
                     const WriteCondition& condition) const override;
  /// Multipart upload, parts in parallel, aborted on failure (s3_multipart.cpp).
  void put_large(const std::string& key, std::string_view data) const override;
  /// Native or emulated (s3_conditional.cpp).
  bool put_if(const std::string& key, std::string_view data,
              const WriteCondition& condition) override;
  ObjectPage list_page(const std::string& prefix, const std::string& token) const override;
  /// DeleteObjects.
  void delete_batch(std::span<const std::string> keys) const override;
  [[noreturn]] void fail(std::string_view action, std::string_view key,
                         const http::Response& response) const override;

  bool put_if_native(const std::string& key, std::string_view data,
                     const WriteCondition& condition, bool* unsupported);
  bool put_if_emulated(const std::string& key, std::string_view data,
                       const WriteCondition& condition);
  s3::ConditionalWrites probe_conditional_writes();

  s3::S3Client client_;
  /// Set when the server answered a conditional PUT with NotImplemented.
  std::atomic<bool> fallen_back_{false};
};

}  // namespace nuthatch
