#include "storage/s3/s3_storage.hpp"

#include <utility>

#include "common/base64.hpp"
#include "common/time.hpp"
#include "nuthatch/error.hpp"
#include "storage/http/digest.hpp"
#include "storage/http/headers.hpp"
#include "storage/http/status.hpp"
#include "storage/http/xml.hpp"

namespace nuthatch {
namespace {

constexpr std::string_view kScheme = "s3";
constexpr std::size_t kDeleteBatch = 1000;  // DeleteObjects takes at most 1000 keys
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// HEAD reports whole seconds (Last-Modified); listings milliseconds. Both are cut to
// seconds so stat() and list() agree.
std::int64_t whole_seconds(std::int64_t ns) { return ns - ns % kNanosPerSecond; }

}  // namespace

S3Storage::S3Storage(std::string url, const Value& options, http::TransportPtr transport)
    : ObjectStorage(url), client_(s3::resolve_s3_options(url, options), std::move(transport)) {}

std::size_t S3Storage::max_delete_batch() const { return kDeleteBatch; }

void S3Storage::fail(std::string_view action, std::string_view key,
                     const http::Response& response) const {
  client_.fail(action, key, response);
}

http::Response S3Storage::get(const std::string& key, const std::string* range) const {
  s3::S3Call call{.method = "GET", .key = key};
  if (range != nullptr) call.headers.emplace_back("Range", *range);
  return client_.try_send(call);
}

// A 404 that names the bucket is a wrong location, not a missing key.
bool S3Storage::is_missing(const http::Response& response) const {
  return response.status == http::kNotFound && s3::s3_error_code(response.body) != "NoSuchBucket";
}

std::optional<std::string> S3Storage::generation_of(const http::Response& response) const {
  return http::unquote(response.header("etag").value_or(""));
}

std::optional<ObjectHead> S3Storage::head(const std::string& key, std::string_view path) const {
  const http::Response response = client_.try_send({.method = "HEAD", .key = key});
  if (response.status == http::kNotFound) return std::nullopt;
  if (!response.ok()) client_.fail("cannot stat", key, response);
  ObjectHead head = head_from_headers(response, path, key);
  head.info.mtime_ns = whole_seconds(head.info.mtime_ns);
  // The ETag of a single-part object is the MD5 of its bytes.
  head.md5_hex = head.info.generation;
  return head;
}

http::Response S3Storage::put(const std::string& key, std::string_view data,
                              const WriteCondition& condition) const {
  s3::S3Call call{
      .method = "PUT", .key = key, .headers = http::condition_headers(condition), .body = data};
  call.headers.emplace_back("Content-Type", "application/octet-stream");
  return client_.try_send(call);
}

ObjectPage S3Storage::list_page(const std::string& prefix, const std::string& token) const {
  s3::S3Call call{.method = "GET",
                  .query = {{"list-type", "2"},
                            {"prefix", prefix},
                            {"max-keys", std::to_string(options().max_keys)}}};
  if (!token.empty()) call.query.emplace_back("continuation-token", token);
  const http::Response response = client_.try_send(call);
  if (!response.ok()) client_.fail("cannot list", prefix, response);
  const auto document = xml::parse(response.body, "ListObjectsV2 on " + client_.s3_url(prefix));
  ObjectPage page;
  for (const xml::Element* item : document->children_named("Contents")) {
    ObjectInfo info;
    info.path = item->child_text("Key");
    info.size = size_field(item->child_text("Size"), info.path);
    info.mtime_ns = whole_seconds(parse_iso8601_ns(item->child_text("LastModified")).value_or(0));
    info.generation = http::unquote(item->child_text("ETag"));
    page.objects.push_back(std::move(info));
  }
  if (document->child_text("IsTruncated") == "true") {
    page.next_token = document->child_text("NextContinuationToken");
  }
  return page;
}

void S3Storage::delete_batch(std::span<const std::string> keys) const {
  if (keys.empty()) return;
  std::string body =
      "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>";
  for (const std::string& key : keys) {
    body += "<Object><Key>" + xml::escape(key) + "</Key></Object>";
  }
  body += "</Delete>";
  s3::S3Call call{.method = "POST",
                  .query = {{"delete", ""}},
                  .headers = {{"Content-Type", "application/xml"},
                              {"Content-MD5", base64_encode(http::md5(body))}},
                  .body = body};
  const http::Response response = client_.try_send(call);
  if (!response.ok()) client_.fail("cannot delete objects in", keys.front(), response);
  // A 200 can still report per-key failures.
  const auto document = xml::parse(response.body, "DeleteObjects on " + client_.s3_url(""));
  if (const xml::Element* error = document->child("Error")) {
    throw StorageError("cannot delete " + client_.s3_url(error->child_text("Key")) + ": " +
                       error->child_text("Code") + ": " + error->child_text("Message"));
  }
}

namespace {

const StorageRegistrar kRegistrar(std::string(kScheme),
                                  [](const std::string& url, const Value& options) {
                                    return std::make_shared<S3Storage>(url, options);
                                  });

}  // namespace

std::optional<Value> S3Storage::object_store_options() const {
  const s3::S3Options& o = options();
  Value out = Value::object();
  std::string endpoint = o.endpoint.origin();
  if (o.endpoint.path.size() > 1) endpoint += o.endpoint.path;
  out["AWS_ENDPOINT_URL"] = endpoint;
  out["AWS_REGION"] = o.region;
  out["AWS_VIRTUAL_HOSTED_STYLE_REQUEST"] = o.virtual_hosted ? "true" : "false";
  if (o.endpoint.scheme == "http") out["AWS_ALLOW_HTTP"] = "true";
  if (o.credentials) {
    out["AWS_ACCESS_KEY_ID"] = o.credentials->access_key;
    out["AWS_SECRET_ACCESS_KEY"] = o.credentials->secret_key;
    if (!o.credentials->session_token.empty()) {
      out["AWS_SESSION_TOKEN"] = o.credentials->session_token;
    }
  } else {
    out["AWS_SKIP_SIGNATURE"] = "true";
  }
  // delta-rs refuses to commit to S3 without a lock, since S3 has no atomic rename. A
  // payload's table has one writer (the entry being committed, under a fresh entry id),
  // and nuthatch's own manifest commit is the conditional write, so none is needed.
  out["AWS_S3_ALLOW_UNSAFE_RENAME"] = "true";
  return out;
}

}  // namespace nuthatch
