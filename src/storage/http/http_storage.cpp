#include "storage/http/http_storage.hpp"

#include <utility>

#include "common/strings.hpp"
#include "nuthatch/error.hpp"
#include "storage/http/headers.hpp"
#include "storage/http/http_date.hpp"
#include "storage/http/status.hpp"
#include "storage/http/url.hpp"
#include "storage/storage_paths.hpp"

namespace nuthatch {
HttpStorage::HttpStorage(std::string url, const Value& options, http::TransportPtr transport)
    : url_(std::move(url)) {
  http::parse_url(url_, "http location");  // validates
  base_ = url_;
  while (base_.ends_with('/')) base_.pop_back();
  client_ = std::make_unique<http::HttpClient>(http::parse_client_options(options, url_),
                                               std::move(transport));
}

std::string HttpStorage::object_url(std::string_view path) const {
  return base_ + "/" + http::uri_encode(path, true);
}

std::optional<std::string> HttpStorage::read(std::string_view path, ByteRange range) {
  check_storage_key(path, url_);
  if (range.length && *range.length == 0) {
    return stat(path) ? std::optional<std::string>(std::string()) : std::nullopt;
  }
  http::Request request{.method = "GET", .url = object_url(path)};
  const bool ranged = http::is_ranged(range);
  if (ranged) request.headers.emplace_back("Range", http::range_header(range));
  http::Response response = client_->send(std::move(request));
  if (response.status == http::kNotFound || response.status == http::kGone) return std::nullopt;
  if (response.status != http::kOk && response.status != http::kPartialContent &&
      response.status != http::kRangeNotSatisfiable) {
    http::throw_status_error("cannot read", object_url(path), response, "");
  }
  return http::body_of_range(response, range, ranged);
}

std::optional<ObjectInfo> HttpStorage::stat(std::string_view path) {
  check_storage_key(path, url_);
  const http::Response response =
      client_->send(http::Request{.method = "HEAD", .url = object_url(path)});
  if (response.status == http::kNotFound || response.status == http::kGone) return std::nullopt;
  if (!response.ok()) http::throw_status_error("cannot stat", object_url(path), response, "");
  ObjectInfo info;
  info.path = std::string(path);
  if (const auto length = response.header("content-length")) {
    info.size = require_uint<StorageError>(*length, "the Content-Length of " + object_url(path));
  }
  const auto modified = response.header("last-modified");
  if (modified) info.mtime_ns = http::parse_http_date(*modified).value_or(0);
  if (const auto etag = response.header("etag")) {
    info.generation = http::unquote(*etag);
  } else {
    info.generation = modified.value_or("") + "-" + std::to_string(info.size);
  }
  return info;
}

void HttpStorage::refuse(std::string_view action, std::string_view path) const {
  throw StorageError("cannot " + std::string(action) + " '" + printable_key(path) + "' in '" +
                     http::url_for_message(url_) +
                     "': the http(s) driver is read-only (use a writable location such as "
                     "s3:// or a directory)");
}

void HttpStorage::write(std::string_view path, std::string_view) { refuse("write", path); }

bool HttpStorage::write_if(std::string_view path, std::string_view, const WriteCondition&) {
  refuse("write", path);
}

void HttpStorage::remove(const std::vector<std::string>& paths) {
  refuse("remove", paths.empty() ? std::string_view() : std::string_view(paths.front()));
}

std::size_t HttpStorage::remove_prefix(std::string_view prefix) { refuse("remove", prefix); }

std::vector<ObjectInfo> HttpStorage::list(std::string_view prefix) {
  throw StorageError("cannot list '" + printable_key(prefix) + "' in '" +
                     http::url_for_message(url_) +
                     "': HTTP has no listing, so the http(s) driver cannot list objects "
                     "(read entries by key, or use an s3:// / gs:// / az:// URL)");
}

namespace {

StoragePtr open_http(const std::string& url, const Value& options) {
  return std::make_shared<HttpStorage>(url, options);
}

const StorageRegistrar kHttpRegistrar("http", &open_http);
const StorageRegistrar kHttpsRegistrar("https", &open_http);

}  // namespace

}  // namespace nuthatch
