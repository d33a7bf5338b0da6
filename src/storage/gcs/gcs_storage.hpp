#pragma once
// The `gs` storage driver: a location is "gs://bucket[/prefix]" on Google Cloud Storage or
// an emulator (fake-gcs-server); each key is the object "<prefix>/<key>". Options and
// credentials: gcs_options.hpp. Requests go through the shared HTTP client (retries,
// pooled connections) with an OAuth2 bearer token (gcs_auth.hpp).
//
//  - read: objects.get with alt=media, ranged with a Range header; 404 -> std::nullopt.
//    read_versioned: the same GET, with the generation from X-Goog-Generation.
//  - stat: objects.get (metadata); generation = the object's `generation`, a number GCS
//    assigns on every write (two writes of identical bytes get different generations).
//  - write: one media upload, or above resumable_threshold a resumable upload sent in
//    chunks (gcs_upload.cpp). GCS makes an object visible only when its upload completes.
//  - write_if: a media upload with ifGenerationMatch=0 (if_absent) or =<generation>; GCS
//    checks and writes atomically, so one writer wins whatever process it runs in.
//  - list: objects.list by prefix, page by page (pageToken; list_pages streams them);
//    remove: parallel DELETEs.
//
// The Storage semantics are ObjectStorage's (storage/object/object_storage.hpp); this
// driver supplies its primitives.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "storage/gcs/gcs_client.hpp"
#include "storage/object/object_storage.hpp"

namespace nuthatch {

/// The gs driver: ObjectStorage's primitives as GCS JSON API requests.
class GcsStorage final : public ObjectStorage {
 public:
  /// Opens the location `url` with its `filesystem_options`; no request is sent (a
  /// service account's token is fetched on first use). Throws ConfigError for a malformed
  /// URL or option, or missing credentials (gcs::resolve_gcs_options). `transport`
  /// replaces the curl transport (tests).
  GcsStorage(std::string url, const Value& options,
             http::TransportPtr transport = http::default_transport());

  const gcs::GcsOptions& options() const { return client_.options(); }

 private:
  const std::string& root() const override { return options().prefix; }
  int max_concurrency() const override { return options().client.max_concurrency; }
  std::uint64_t large_threshold() const override { return options().resumable_threshold; }

  http::Response get(const std::string& name, const std::string* range) const override;
  bool is_missing(const http::Response& response) const override;
  /// X-Goog-Generation.
  std::optional<std::string> generation_of(const http::Response& response) const override;
  /// objects.get (metadata).
  std::optional<ObjectHead> head(const std::string& name, std::string_view path) const override;
  /// A media upload, with ifGenerationMatch=0 (if_absent) or =<generation>.
  http::Response put(const std::string& name, std::string_view data,
                     const WriteCondition& condition) const override;
  /// A resumable upload sent in chunks (gcs_upload.cpp).
  void put_large(const std::string& name, std::string_view data) const override;
  /// A generation GCS never assigns (not a number) matches nothing: lost, no request.
  bool put_if(const std::string& name, std::string_view data,
              const WriteCondition& condition) override;
  ObjectPage list_page(const std::string& prefix, const std::string& token) const override;
  /// One DELETE.
  void delete_batch(std::span<const std::string> names) const override;
  [[noreturn]] void fail(std::string_view action, std::string_view name,
                         const http::Response& response) const override;

  gcs::GcsClient client_;
};

}  // namespace nuthatch
