#include "storage/s3/s3_storage.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

#include "common/base64.hpp"
#include "common/time.hpp"
#include "nuthatch/error.hpp"
#include "storage/http/digest.hpp"
#include "storage/http/http_date.hpp"
#include "storage/http/xml.hpp"
#include "storage/storage_paths.hpp"

namespace nuthatch {
namespace {

constexpr std::string_view kScheme = "s3";
constexpr long kOk = 200;
constexpr long kPartialContent = 206;
constexpr long kNotFound = 404;
constexpr long kRangeNotSatisfiable = 416;
constexpr std::size_t kDeleteBatch = 1000;  // DeleteObjects takes at most 1000 keys
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

std::string unquote(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

std::string range_header(const ByteRange& range) {
  std::string value = "bytes=" + std::to_string(range.offset) + "-";
  if (range.length) value += std::to_string(range.offset + *range.length - 1);
  return value;
}

// A decimal size from a header or listing; 0 when malformed.
std::uint64_t parse_size(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() ? value : 0;
}

// HEAD reports whole seconds (Last-Modified); listings milliseconds. Both are cut to
// seconds so stat() and list() agree.
std::int64_t whole_seconds(std::int64_t ns) { return ns - ns % kNanosPerSecond; }

}  // namespace

S3Storage::S3Storage(std::string url, const Value& options, http::TransportPtr transport)
    : url_(std::move(url)), client_(s3::resolve_s3_options(url_, options), std::move(transport)) {
  while (url_.ends_with('/') && url_.size() > std::string_view("s3://").size()) url_.pop_back();
}

std::string S3Storage::key_of(std::string_view path) const {
  return ObjectRoot{client_.options().prefix}.name_of(path);
}

std::optional<std::string> S3Storage::read(std::string_view path, ByteRange range) {
  check_storage_key(path, url_);
  if (range.length && *range.length == 0) {
    return stat(path) ? std::optional<std::string>(std::string()) : std::nullopt;
  }
  const std::string key = key_of(path);
  s3::S3Call call{.method = "GET", .key = key};
  const bool ranged = range.offset > 0 || range.length.has_value();
  if (ranged) call.headers.emplace_back("Range", range_header(range));
  http::Response response = client_.try_send(call);
  if (response.status == kNotFound && s3::s3_error_code(response.body) != "NoSuchBucket") {
    return std::nullopt;
  }
  // Past the end of an object that exists (an empty one included).
  if (response.status == kRangeNotSatisfiable) return std::string();
  if (response.status == kPartialContent) return std::move(response.body);
  if (response.status != kOk) client_.fail("cannot read", key, response);
  if (!ranged) return std::move(response.body);
  std::string& body = response.body;  // the server ignored Range
  if (range.offset >= body.size()) return std::string();
  const std::uint64_t available = body.size() - range.offset;
  return body.substr(range.offset, std::min(range.length.value_or(available), available));
}

std::optional<VersionedObject> S3Storage::read_versioned(std::string_view path) {
  check_storage_key(path, url_);
  const std::string key = key_of(path);
  http::Response response = client_.try_send({.method = "GET", .key = key});
  if (response.status == kNotFound && s3::s3_error_code(response.body) != "NoSuchBucket") {
    return std::nullopt;
  }
  if (response.status != kOk) client_.fail("cannot read", key, response);
  std::string generation = unquote(response.header("etag").value_or(""));
  return VersionedObject{std::move(response.body), std::move(generation)};
}

std::optional<ObjectInfo> S3Storage::head(const std::string& key, std::string_view path) const {
  const http::Response response = client_.try_send({.method = "HEAD", .key = key});
  if (response.status == kNotFound) return std::nullopt;
  if (!response.ok()) client_.fail("cannot stat", key, response);
  ObjectInfo info;
  info.path = std::string(path);
  if (const auto length = response.header("content-length")) info.size = parse_size(*length);
  if (const auto modified = response.header("last-modified")) {
    info.mtime_ns = whole_seconds(http::parse_http_date(*modified).value_or(0));
  }
  info.generation = unquote(response.header("etag").value_or(""));
  return info;
}

std::optional<ObjectInfo> S3Storage::stat(std::string_view path) {
  check_storage_key(path, url_);
  return head(key_of(path), path);
}

http::Response S3Storage::put(const std::string& key, std::string_view data,
                              const http::Headers& headers) const {
  s3::S3Call call{.method = "PUT", .key = key, .headers = headers, .body = data};
  call.headers.emplace_back("Content-Type", "application/octet-stream");
  return client_.try_send(call);
}

void S3Storage::write(std::string_view path, std::string_view data) {
  check_storage_key(path, url_);
  const std::string key = key_of(path);
  if (data.size() > client_.options().multipart_threshold) {
    put_multipart(key, data);
    return;
  }
  const http::Response response = put(key, data, {});
  if (!response.ok()) client_.fail("cannot write", key, response);
}

std::vector<ObjectInfo> S3Storage::list(std::string_view prefix) { return collect_pages(prefix); }

void S3Storage::list_pages(std::string_view prefix, const ListPageCallback& page) {
  check_storage_prefix(prefix, url_);
  const ObjectRoot root{client_.options().prefix};
  const std::string key_prefix = root.name_of(prefix);
  std::vector<ObjectInfo> out;
  std::string token;
  do {
    s3::S3Call call{.method = "GET",
                    .query = {{"list-type", "2"},
                              {"prefix", key_prefix},
                              {"max-keys", std::to_string(client_.options().max_keys)}}};
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    const http::Response response = client_.try_send(call);
    if (!response.ok()) client_.fail("cannot list", key_prefix, response);
    const auto document =
        xml::parse(response.body, "ListObjectsV2 on " + client_.s3_url(key_prefix));
    for (const xml::Element* item : document->children_named("Contents")) {
      std::optional<std::string> path = root.path_of(item->child_text("Key"), key_prefix);
      if (!path || path->starts_with(kProbePrefix)) continue;  // probes are in flight
      ObjectInfo info;
      info.path = std::move(*path);
      info.size = parse_size(item->child_text("Size"));
      info.mtime_ns = whole_seconds(parse_iso8601_ns(item->child_text("LastModified")).value_or(0));
      info.generation = unquote(item->child_text("ETag"));
      out.push_back(std::move(info));
    }
    token = document->child_text("IsTruncated") == "true"
                ? document->child_text("NextContinuationToken")
                : std::string();
    if (!out.empty()) page(out);  // one ListObjectsV2 page at a time
    out.clear();
  } while (!token.empty());
}

void S3Storage::delete_keys(const std::vector<std::string>& keys) const {
  for (std::size_t begin = 0; begin < keys.size(); begin += kDeleteBatch) {
    const std::size_t end = std::min(keys.size(), begin + kDeleteBatch);
    std::string body =
        "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>";
    for (std::size_t i = begin; i < end; ++i) {
      body += "<Object><Key>" + xml::escape(keys[i]) + "</Key></Object>";
    }
    body += "</Delete>";
    s3::S3Call call{.method = "POST",
                    .query = {{"delete", ""}},
                    .headers = {{"Content-Type", "application/xml"},
                                {"Content-MD5", base64_encode(http::md5(body))}},
                    .body = body};
    const http::Response response = client_.try_send(call);
    if (!response.ok()) client_.fail("cannot delete objects in", keys[begin], response);
    // A 200 can still report per-key failures.
    const auto document = xml::parse(response.body, "DeleteObjects on " + client_.s3_url(""));
    if (const xml::Element* error = document->child("Error")) {
      throw StorageError("cannot delete " + client_.s3_url(error->child_text("Key")) + ": " +
                         error->child_text("Code") + ": " + error->child_text("Message"));
    }
  }
}

void S3Storage::remove(const std::vector<std::string>& paths) {
  for (const auto& path : paths) check_storage_key(path, url_);
  std::vector<std::string> keys;
  keys.reserve(paths.size());
  for (const auto& path : paths) keys.push_back(key_of(path));
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  delete_keys(keys);
}

std::size_t S3Storage::remove_prefix(std::string_view prefix) {
  check_storage_prefix(prefix, url_);
  std::vector<std::string> keys;
  for (const ObjectInfo& info : list(prefix)) keys.push_back(key_of(info.path));
  delete_keys(keys);
  return keys.size();
}

namespace {

const StorageRegistrar kRegistrar(std::string(kScheme),
                                  [](const std::string& url, const Value& options) {
                                    return std::make_shared<S3Storage>(url, options);
                                  });

}  // namespace

}  // namespace nuthatch
