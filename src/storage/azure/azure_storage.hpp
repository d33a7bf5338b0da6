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

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/storage.hpp"
#include "storage/azure/azure_client.hpp"

namespace nuthatch {

class AzureStorage final : public Storage {
 public:
  /// Opens the location `url` with its `filesystem_options`; no request is sent. Throws
  /// ConfigError for a malformed URL or option, or missing credentials
  /// (azure::resolve_azure_options). `transport` replaces the curl transport (tests).
  AzureStorage(std::string url, const Value& options,
               http::TransportPtr transport = http::default_transport());

  std::string url() const override { return url_; }
  std::size_t preferred_parallel_reads() const override {
    return static_cast<std::size_t>(options().client.max_concurrency);
  }
  std::optional<std::string> read(std::string_view path, ByteRange range = {}) override;
  /// One Get Blob: the bytes and the ETag sent with them.
  std::optional<VersionedObject> read_versioned(std::string_view path) override;
  std::optional<ObjectInfo> stat(std::string_view path) override;
  void write(std::string_view path, std::string_view data) override;
  bool write_if(std::string_view path, std::string_view data,
                const WriteCondition& condition) override;
  std::vector<ObjectInfo> list(std::string_view prefix) override;
  void list_pages(std::string_view prefix, const ListPageCallback& page) override;
  void remove(const std::vector<std::string>& paths) override;
  std::size_t remove_prefix(std::string_view prefix) override;

  const azure::AzureOptions& options() const { return client_.options(); }

 private:
  std::string blob_of(std::string_view path) const;
  /// Get Blob Properties, or std::nullopt (BlobNotFound); `md5` receives Content-MD5.
  std::optional<ObjectInfo> properties(const std::string& blob, std::string_view path,
                                       std::string* md5 = nullptr) const;
  /// One Put Blob with extra headers; returns the response (any status).
  http::Response put_blob(const std::string& blob, std::string_view data,
                          const http::Headers& headers) const;
  void put_blocks(const std::string& blob, std::string_view data) const;
  void delete_blobs(const std::vector<std::string>& blobs) const;

  std::string url_;
  azure::AzureClient client_;
};

}  // namespace nuthatch
