#include "storage/azure/azure_storage.hpp"

#include <algorithm>
#include <utility>

#include "common/base64.hpp"
#include "nuthatch/error.hpp"
#include "storage/http/conditional_write.hpp"
#include "storage/http/digest.hpp"
#include "storage/http/http_date.hpp"
#include "storage/http/xml.hpp"
#include "storage/parallel.hpp"
#include "storage/storage_paths.hpp"

namespace nuthatch {
namespace {

constexpr std::string_view kScheme = "az";
constexpr long kOk = 200;
constexpr long kPartialContent = 206;
constexpr long kNotFound = 404;
constexpr long kConflict = 409;
constexpr long kPreconditionFailed = 412;
constexpr long kRangeNotSatisfiable = 416;

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

// A 404 for the blob itself (a missing key), not for the container or the account.
bool is_missing_blob(const http::Response& response) {
  if (response.status != kNotFound) return false;
  const std::string code = azure::azure_error_code(response);
  return code.empty() || code == "BlobNotFound";
}

}  // namespace

AzureStorage::AzureStorage(std::string url, const Value& options, http::TransportPtr transport)
    : url_(std::move(url)),
      client_(azure::resolve_azure_options(url_, options), std::move(transport)) {
  while (url_.ends_with('/') && url_.size() > std::string_view("az://").size()) url_.pop_back();
}

std::string AzureStorage::blob_of(std::string_view path) const {
  return ObjectRoot{client_.options().prefix}.name_of(path);
}

std::optional<std::string> AzureStorage::read(std::string_view path, ByteRange range) {
  check_storage_key(path, url_);
  if (range.length && *range.length == 0) {
    return stat(path) ? std::optional<std::string>(std::string()) : std::nullopt;
  }
  const std::string blob = blob_of(path);
  azure::AzureCall call{.blob = blob};
  const bool ranged = range.offset > 0 || range.length.has_value();
  if (ranged) call.headers.emplace_back("x-ms-range", range_header(range));
  http::Response response = client_.try_send(call);
  if (is_missing_blob(response)) return std::nullopt;
  if (response.status == kRangeNotSatisfiable) return std::string();  // past the end
  if (response.status == kPartialContent) return std::move(response.body);
  if (response.status != kOk) client_.fail("cannot read", blob, response);
  if (!ranged) return std::move(response.body);
  std::string& body = response.body;  // the server ignored the range
  if (range.offset >= body.size()) return std::string();
  const std::uint64_t available = body.size() - range.offset;
  return body.substr(range.offset, std::min(range.length.value_or(available), available));
}

std::optional<VersionedObject> AzureStorage::read_versioned(std::string_view path) {
  check_storage_key(path, url_);
  const std::string blob = blob_of(path);
  http::Response response = client_.try_send({.blob = blob});
  if (is_missing_blob(response)) return std::nullopt;
  if (response.status != kOk) client_.fail("cannot read", blob, response);
  std::string generation = unquote(response.header("etag").value_or(""));
  return VersionedObject{std::move(response.body), std::move(generation)};
}

std::optional<ObjectInfo> AzureStorage::properties(const std::string& blob, std::string_view path,
                                                   std::string* md5) const {
  const http::Response response = client_.try_send({.method = "HEAD", .blob = blob});
  if (is_missing_blob(response)) return std::nullopt;
  if (!response.ok()) client_.fail("cannot stat", blob, response);
  ObjectInfo info;
  info.path = std::string(path);
  if (const auto length = response.header("content-length")) info.size = std::stoull(*length);
  if (const auto modified = response.header("last-modified")) {
    info.mtime_ns = http::parse_http_date(*modified).value_or(0);
  }
  info.generation = unquote(response.header("etag").value_or(""));
  if (md5 != nullptr) *md5 = response.header("content-md5").value_or("");
  return info;
}

std::optional<ObjectInfo> AzureStorage::stat(std::string_view path) {
  check_storage_key(path, url_);
  return properties(blob_of(path), path);
}

http::Response AzureStorage::put_blob(const std::string& blob, std::string_view data,
                                      const http::Headers& headers) const {
  azure::AzureCall call{.method = "PUT", .blob = blob, .headers = headers, .body = data};
  call.headers.emplace_back("x-ms-blob-type", "BlockBlob");
  call.headers.emplace_back("Content-Type", "application/octet-stream");
  return client_.try_send(call);
}

void AzureStorage::write(std::string_view path, std::string_view data) {
  check_storage_key(path, url_);
  const std::string blob = blob_of(path);
  if (data.size() > client_.options().block_threshold) {
    put_blocks(blob, data);
    return;
  }
  const http::Response response = put_blob(blob, data, {});
  if (!response.ok()) client_.fail("cannot write", blob, response);
}

// Azure evaluates If-None-Match / If-Match and writes atomically, refusing with 412, or
// 409 when If-None-Match: * meets a blob (the answer is read as every driver reads it, see
// http/conditional_write.hpp; Put Blob stores the Content-MD5 that answer compares).
bool AzureStorage::write_if(std::string_view path, std::string_view data,
                            const WriteCondition& condition) {
  check_storage_key(path, url_);
  if (condition.kind == WriteCondition::Kind::none) {
    write(path, data);
    return true;
  }
  const bool if_absent = condition.kind == WriteCondition::Kind::if_absent;
  const std::string blob = blob_of(path);
  const http::Response response = put_blob(
      blob, data,
      {if_absent ? http::Headers::value_type{"If-None-Match", "*"}
                 : http::Headers::value_type{"If-Match", "\"" + condition.generation + "\""}});
  const http::WriteOutcome outcome = http::conditional_write_outcome(
      response, {kPreconditionFailed, kConflict}, !if_absent && is_missing_blob(response), [&] {
        std::string md5;
        return properties(blob, path, &md5) && md5 == base64_encode(http::md5(data));
      });
  if (outcome == http::WriteOutcome::failed) client_.fail("cannot write", blob, response);
  return outcome == http::WriteOutcome::won;
}

std::vector<ObjectInfo> AzureStorage::list(std::string_view prefix) {
  return collect_pages(prefix);
}

void AzureStorage::list_pages(std::string_view prefix, const ListPageCallback& page) {
  check_storage_prefix(prefix, url_);
  const ObjectRoot root{client_.options().prefix};
  const std::string blob_prefix = root.name_of(prefix);
  std::vector<ObjectInfo> out;
  std::string marker;
  do {
    azure::AzureCall call{.query = {{"restype", "container"},
                                    {"comp", "list"},
                                    {"maxresults", std::to_string(client_.options().max_results)}}};
    if (!blob_prefix.empty()) call.query.emplace_back("prefix", blob_prefix);
    if (!marker.empty()) call.query.emplace_back("marker", marker);
    const http::Response response = client_.try_send(call);
    if (!response.ok()) client_.fail("cannot list", blob_prefix, response);
    const auto document = xml::parse(response.body, "List Blobs on " + client_.az_url(blob_prefix));
    if (const xml::Element* blobs = document->child("Blobs")) {
      for (const xml::Element* item : blobs->children_named("Blob")) {
        std::optional<std::string> path = root.path_of(item->child_text("Name"), blob_prefix);
        if (!path) continue;
        ObjectInfo info;
        info.path = std::move(*path);
        if (const xml::Element* props = item->child("Properties")) {
          const std::string size = props->child_text("Content-Length");
          info.size = size.empty() ? 0 : std::stoull(size);
          info.mtime_ns = http::parse_http_date(props->child_text("Last-Modified")).value_or(0);
          info.generation = unquote(props->child_text("Etag"));
        }
        out.push_back(std::move(info));
      }
    }
    marker = document->child_text("NextMarker");
    if (!out.empty()) page(out);  // one List Blobs page at a time
    out.clear();
  } while (!marker.empty());
}

void AzureStorage::delete_blobs(const std::vector<std::string>& blobs) const {
  run_parallel(blobs.size(), client_.options().client.max_concurrency, [&](std::size_t i) {
    const http::Response response = client_.try_send({.method = "DELETE", .blob = blobs[i]});
    if (response.ok() || is_missing_blob(response)) return;
    client_.fail("cannot delete", blobs[i], response);
  });
}

void AzureStorage::remove(const std::vector<std::string>& paths) {
  for (const auto& path : paths) check_storage_key(path, url_);
  std::vector<std::string> blobs;
  blobs.reserve(paths.size());
  for (const auto& path : paths) blobs.push_back(blob_of(path));
  std::sort(blobs.begin(), blobs.end());
  blobs.erase(std::unique(blobs.begin(), blobs.end()), blobs.end());
  delete_blobs(blobs);
}

std::size_t AzureStorage::remove_prefix(std::string_view prefix) {
  check_storage_prefix(prefix, url_);
  std::vector<std::string> blobs;
  for (const ObjectInfo& info : list(prefix)) blobs.push_back(blob_of(info.path));
  delete_blobs(blobs);
  return blobs.size();
}

namespace {

const StorageRegistrar kRegistrar(std::string(kScheme), [](const std::string& url,
                                                           const Value& options) {
  return std::make_shared<AzureStorage>(url, options);
});

}  // namespace

}  // namespace nuthatch
