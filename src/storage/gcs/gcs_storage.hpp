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

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/storage.hpp"
#include "storage/gcs/gcs_client.hpp"

namespace nuthatch {

class GcsStorage final : public Storage {
 public:
  /// Opens the location `url` with its `filesystem_options`; no request is sent (a
  /// service account's token is fetched on first use). Throws ConfigError for a malformed
  /// URL or option, or missing credentials (gcs::resolve_gcs_options). `transport`
  /// replaces the curl transport (tests).
  GcsStorage(std::string url, const Value& options,
             http::TransportPtr transport = http::default_transport());

  std::string url() const override { return url_; }
  std::size_t preferred_parallel_reads() const override {
    return static_cast<std::size_t>(options().client.max_concurrency);
  }
  std::optional<std::string> read(std::string_view path, ByteRange range = {}) override;
  /// One GET: the bytes and the generation GCS sends with them (X-Goog-Generation).
  std::optional<VersionedObject> read_versioned(std::string_view path) override;
  std::optional<ObjectInfo> stat(std::string_view path) override;
  void write(std::string_view path, std::string_view data) override;
  bool write_if(std::string_view path, std::string_view data,
                const WriteCondition& condition) override;
  std::vector<ObjectInfo> list(std::string_view prefix) override;
  void list_pages(std::string_view prefix, const ListPageCallback& page) override;
  void remove(const std::vector<std::string>& paths) override;
  std::size_t remove_prefix(std::string_view prefix) override;

  const gcs::GcsOptions& options() const { return client_.options(); }

 private:
  /// The object name of a location path ("<prefix>/<path>").
  std::string name_of(std::string_view path) const;
  /// objects.get metadata of an object, or std::nullopt (404); `path` names it in results.
  std::optional<ObjectInfo> metadata(const std::string& name, std::string_view path,
                                     std::string* md5 = nullptr) const;
  /// One media upload with extra query parameters; returns the response (any status).
  http::Response upload_media(const std::string& name, std::string_view data,
                              gcs::QueryParams preconditions) const;
  void upload_resumable(const std::string& name, std::string_view data) const;
  void delete_names(const std::vector<std::string>& names) const;

  std::string url_;
  gcs::GcsClient client_;
};

}  // namespace nuthatch
