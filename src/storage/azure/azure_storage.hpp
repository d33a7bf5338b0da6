#pragma once
// The `az` storage driver: a location is "az://container[/prefix]" on Azure Blob Storage
// or Azurite; each key is the block blob "<prefix>/<key>". Options and credentials:
// azure_options.hpp. Requests are authorized with Shared Key (shared_key.hpp) or a SAS
// token and sent through the shared HTTP client (retries, pooled connections).
//
//  - read: Get Blob, ranged with x-ms-range; BlobNotFound -> std::nullopt. read_versioned:
//    the same GET, with the ETag it answers with.
//  - stat: Get Blob Properties (HEAD); generation = the ETag, which changes on every write.
//  - write: one Put Blob, or above block_threshold staged blocks uploaded in parallel and
//    committed with one Put Block List (azure_blocks.cpp).
//  - write_if: Put Blob with If-None-Match: * (if_absent) or If-Match: <etag>; Azure
//    checks and writes atomically, so one writer wins whatever process it runs in.
//  - list: List Blobs by prefix, page by page (marker; list_pages streams them);
//    remove: parallel Delete Blob.
//
// The Storage semantics are ObjectStorage's (storage/object/object_storage.hpp); this
// driver supplies its primitives.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "storage/azure/azure_client.hpp"
#include "storage/object/object_storage.hpp"

namespace nuthatch {

/// The az driver: ObjectStorage's primitives as Blob service requests.
class AzureStorage final : public ObjectStorage {
 public:
  /// Opens the location `url` with its `filesystem_options`; no request is sent. Throws
  /// ConfigError for a malformed URL or option, or missing credentials
  /// (azure::resolve_azure_options). `transport` replaces the curl transport (tests).
  AzureStorage(std::string url, const Value& options,
               http::TransportPtr transport = http::default_transport());

  const azure::AzureOptions& options() const { return client_.options(); }

  /// The azure_* keys of the account, its endpoint (Azurite's included) and credentials.
  std::optional<Value> object_store_options() const override;

 private:
  const std::string& root() const override { return options().prefix; }
  int max_concurrency() const override { return options().client.max_concurrency; }
  std::uint64_t large_threshold() const override { return options().block_threshold; }

  /// Get Blob, ranged with x-ms-range.
  http::Response get(const std::string& blob, const std::string* range) const override;
  bool is_missing(const http::Response& response) const override;
  std::optional<std::string> generation_of(const http::Response& response) const override;
  /// Get Blob Properties.
  std::optional<ObjectHead> head(const std::string& blob, std::string_view path) const override;
  /// Put Blob, with If-None-Match: * (if_absent) or If-Match: <etag>.
  http::Response put(const std::string& blob, std::string_view data,
                     const WriteCondition& condition) const override;
  /// Blocks staged in parallel, then one Put Block List (azure_blocks.cpp).
  void put_large(const std::string& blob, std::string_view data) const override;
  /// 412, or 409 when If-None-Match: * meets a blob.
  bool is_refusal(const http::Response& response) const override;
  ObjectPage list_page(const std::string& prefix, const std::string& marker) const override;
  /// One Delete Blob.
  void delete_batch(std::span<const std::string> blobs) const override;
  [[noreturn]] void fail(std::string_view action, std::string_view blob,
                         const http::Response& response) const override;

  azure::AzureClient client_;
};

}  // namespace nuthatch
