#include "storage/azure/azure_storage.hpp"

#include <utility>

#include "common/base64.hpp"
#include "nuthatch/error.hpp"
#include "storage/http/digest.hpp"
#include "storage/http/headers.hpp"
#include "storage/http/http_date.hpp"
#include "storage/http/status.hpp"
#include "storage/http/xml.hpp"

namespace nuthatch {
namespace {

constexpr std::string_view kScheme = "az";

}  // namespace

AzureStorage::AzureStorage(std::string url, const Value& options, http::TransportPtr transport)
    : ObjectStorage(url),
      client_(azure::resolve_azure_options(url, options), std::move(transport)) {}

void AzureStorage::fail(std::string_view action, std::string_view blob,
                        const http::Response& response) const {
  client_.fail(action, blob, response);
}

http::Response AzureStorage::get(const std::string& blob, const std::string* range) const {
  azure::AzureCall call{.blob = blob};
  if (range != nullptr) call.headers.emplace_back("x-ms-range", *range);
  return client_.try_send(call);
}

// A 404 for the blob itself (a missing key), not for the container or the account.
bool AzureStorage::is_missing(const http::Response& response) const {
  if (response.status != http::kNotFound) return false;
  const std::string code = azure::azure_error_code(response);
  return code.empty() || code == "BlobNotFound";
}

std::optional<std::string> AzureStorage::generation_of(const http::Response& response) const {
  return http::unquote(response.header("etag").value_or(""));
}

std::optional<ObjectHead> AzureStorage::head(const std::string& blob,
                                             std::string_view path) const {
  const http::Response response = client_.try_send({.method = "HEAD", .blob = blob});
  if (is_missing(response)) return std::nullopt;
  if (!response.ok()) client_.fail("cannot stat", blob, response);
  ObjectHead head = head_from_headers(response, path, blob);
  // Put Blob stores the Content-MD5 of the bytes.
  if (const auto md5 = base64_decode(response.header("content-md5").value_or(""))) {
    head.md5_hex = http::hex(*md5);
  }
  return head;
}

// Azure evaluates If-None-Match / If-Match and writes atomically.
http::Response AzureStorage::put(const std::string& blob, std::string_view data,
                                 const WriteCondition& condition) const {
  azure::AzureCall call{
      .method = "PUT", .blob = blob, .headers = http::condition_headers(condition), .body = data};
  call.headers.emplace_back("x-ms-blob-type", "BlockBlob");
  call.headers.emplace_back("Content-Type", "application/octet-stream");
  return client_.try_send(call);
}

bool AzureStorage::is_refusal(const http::Response& response) const {
  return response.status == http::kPreconditionFailed || response.status == http::kConflict;
}

ObjectPage AzureStorage::list_page(const std::string& prefix, const std::string& marker) const {
  azure::AzureCall call{.query = {{"restype", "container"},
                                  {"comp", "list"},
                                  {"maxresults", std::to_string(options().max_results)}}};
  if (!prefix.empty()) call.query.emplace_back("prefix", prefix);
  if (!marker.empty()) call.query.emplace_back("marker", marker);
  const http::Response response = client_.try_send(call);
  if (!response.ok()) client_.fail("cannot list", prefix, response);
  const auto document = xml::parse(response.body, "List Blobs on " + client_.az_url(prefix));
  ObjectPage page;
  if (const xml::Element* blobs = document->child("Blobs")) {
    for (const xml::Element* item : blobs->children_named("Blob")) {
      ObjectInfo info;
      info.path = item->child_text("Name");
      if (const xml::Element* props = item->child("Properties")) {
        info.size = size_field(props->child_text("Content-Length"), info.path);
        info.mtime_ns = http::parse_http_date(props->child_text("Last-Modified")).value_or(0);
        info.generation = http::unquote(props->child_text("Etag"));
      }
      page.objects.push_back(std::move(info));
    }
  }
  page.next_token = document->child_text("NextMarker");
  return page;
}

void AzureStorage::delete_batch(std::span<const std::string> blobs) const {
  for (const std::string& blob : blobs) {
    const http::Response response = client_.try_send({.method = "DELETE", .blob = blob});
    if (response.ok() || is_missing(response)) continue;
    client_.fail("cannot delete", blob, response);
  }
}

namespace {

const StorageRegistrar kRegistrar(std::string(kScheme), [](const std::string& url,
                                                           const Value& options) {
  return std::make_shared<AzureStorage>(url, options);
});

}  // namespace

std::optional<Value> AzureStorage::object_store_options() const {
  const azure::AzureOptions& o = options();
  Value out = Value::object();
  out["azure_storage_account_name"] = o.account_name;
  std::string endpoint = o.endpoint.origin();
  if (o.endpoint.path.size() > 1) endpoint += o.endpoint.path;
  while (endpoint.size() > 1 && endpoint.back() == '/') endpoint.pop_back();
  out["azure_storage_endpoint"] = endpoint;  // the account's URL, as this driver uses it
  if (o.endpoint.scheme == "http") out["allow_http"] = "true";
  if (!o.account_key.empty()) out["azure_storage_account_key"] = o.account_key;
  if (!o.sas_token.empty()) out["azure_storage_sas_key"] = o.sas_token;
  if (o.account_key.empty() && o.sas_token.empty()) out["azure_skip_signature"] = "true";
  return out;
}

}  // namespace nuthatch
