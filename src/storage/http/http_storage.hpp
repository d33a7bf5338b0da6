#pragma once
// The read-only `http` / `https` storage driver: a location is a URL prefix served by any
// web server (a public bucket's website, a static mirror). Reads are GETs (ranged when a
// ByteRange asks), stat is a HEAD; HTTP has no listing, so list() fails with a clear
// error, and every write or removal is refused as read-only.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/storage.hpp"
#include "storage/http/client.hpp"

namespace nuthatch {

class HttpStorage final : public Storage {
 public:
  /// Opens the location `url` (http:// or https://). Options: those of
  /// parse_client_options (timeouts, retries, concurrency). Throws ConfigError when the
  /// URL is not an http(s) URL. `transport` replaces the curl transport (tests).
  HttpStorage(std::string url, const Value& options,
              http::TransportPtr transport = http::default_transport());

  std::string url() const override { return url_; }
  bool read_only() const override { return true; }
  std::size_t preferred_parallel_reads() const override {
    return static_cast<std::size_t>(client_->options().max_concurrency);
  }
  std::optional<std::string> read(std::string_view path, ByteRange range = {}) override;
  std::optional<ObjectInfo> stat(std::string_view path) override;
  /// Refused: StorageError ("read-only").
  void write(std::string_view path, std::string_view data) override;
  /// Refused: StorageError ("read-only").
  bool write_if(std::string_view path, std::string_view data,
                const WriteCondition& condition) override;
  /// Unsupported: StorageError (HTTP has no listing).
  std::vector<ObjectInfo> list(std::string_view prefix) override;
  /// Refused: StorageError ("read-only").
  void remove(const std::vector<std::string>& paths) override;
  /// Refused: StorageError ("read-only").
  std::size_t remove_prefix(std::string_view prefix) override;

 private:
  /// The request URL of a key.
  std::string object_url(std::string_view path) const;
  [[noreturn]] void refuse(std::string_view action, std::string_view path) const;

  std::string url_;
  std::string base_;  ///< url_ without a trailing '/'
  std::unique_ptr<http::HttpClient> client_;
};

}  // namespace nuthatch
