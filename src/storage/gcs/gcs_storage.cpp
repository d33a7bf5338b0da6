#include "storage/gcs/gcs_storage.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/base64.hpp"
#include "common/time.hpp"
#include "nuthatch/error.hpp"
#include "storage/http/digest.hpp"
#include "storage/http/status.hpp"

namespace nuthatch {
namespace {

constexpr std::string_view kSchemes[] = {"gs", "gcs"};

std::string json_string(const nlohmann::json& doc, const char* name) {
  const auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An object resource (objects.get, an item of objects.list) as ObjectInfo; `size` is its
// size field, checked by the caller.
ObjectInfo object_info(const nlohmann::json& resource, std::string path, std::uint64_t size) {
  ObjectInfo info;
  info.path = std::move(path);
  info.size = size;
  info.mtime_ns = parse_iso8601_ns(json_string(resource, "updated")).value_or(0);
  info.generation = json_string(resource, "generation");
  return info;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

GcsStorage::GcsStorage(std::string url, const Value& options, http::TransportPtr transport)
    : ObjectStorage(url), client_(gcs::resolve_gcs_options(url, options), std::move(transport)) {}

void GcsStorage::fail(std::string_view action, std::string_view name,
                      const http::Response& response) const {
  client_.fail(action, name, response);
}

http::Response GcsStorage::get(const std::string& name, const std::string* range) const {
  gcs::GcsCall call{.target = client_.object_path(name), .query = {{"alt", "media"}}};
  if (range != nullptr) call.headers.emplace_back("Range", *range);
  return client_.try_send(call);
}

// A 404 that names the bucket rather than the object (GCS: "The specified bucket does not
// exist."): the location is wrong, which is an error, not a missing key.
bool GcsStorage::is_missing(const http::Response& response) const {
  return response.status == http::kNotFound &&
         gcs::gcs_error_detail(response.body).find("bucket does not exist") == std::string::npos;
}

std::optional<std::string> GcsStorage::generation_of(const http::Response& response) const {
  return response.header("x-goog-generation");
}

std::optional<ObjectHead> GcsStorage::head(const std::string& name, std::string_view path) const {
  const http::Response response = client_.try_send({.target = client_.object_path(name)});
  if (is_missing(response)) return std::nullopt;
  if (response.status != http::kOk) client_.fail("cannot stat", name, response);
  const auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (!doc.is_object()) {
    throw StorageError("cannot stat " + client_.gs_url(name) + ": the answer is not a JSON object");
  }
  ObjectHead head;
  head.info = object_info(doc, std::string(path), size_field(json_string(doc, "size"), name));
  if (const auto md5 = base64_decode(json_string(doc, "md5Hash"))) head.md5_hex = http::hex(*md5);
  return head;
}

// ifGenerationMatch=0 means "no live object" and =<g> "the live object has generation g";
// GCS evaluates it and writes atomically, refusing with 412.
http::Response GcsStorage::put(const std::string& name, std::string_view data,
                               const WriteCondition& condition) const {
  gcs::GcsCall call{.method = "POST",
                    .target = client_.upload_path(),
                    .headers = {{"Content-Type", "application/octet-stream"}},
                    .body = data};
  if (condition.kind == WriteCondition::Kind::if_absent) {
    call.query.emplace_back("ifGenerationMatch", "0");
  } else if (condition.kind == WriteCondition::Kind::if_generation) {
    call.query.emplace_back("ifGenerationMatch", condition.generation);
  }
  call.query.emplace_back("uploadType", "media");
  call.query.emplace_back("name", name);
  // Only the generation is needed back, not the whole resource.
  call.query.emplace_back("fields", "generation");
  return client_.try_send(call);
}

bool GcsStorage::put_if(const std::string& name, std::string_view data,
                        const WriteCondition& condition) {
  if (condition.kind == WriteCondition::Kind::if_generation &&
      !all_digits(condition.generation)) {
    return false;
  }
  return ObjectStorage::put_if(name, data, condition);
}

ObjectPage GcsStorage::list_page(const std::string& prefix, const std::string& token) const {
  gcs::GcsCall call{.target = client_.objects_path(),
                    .query = {{"prefix", prefix},
                              {"maxResults", std::to_string(options().max_results)},
                              {"fields", "items(name,size,generation,updated),nextPageToken"}}};
  if (!token.empty()) call.query.emplace_back("pageToken", token);
  const http::Response response = client_.try_send(call);
  if (!response.ok()) client_.fail("cannot list", prefix, response);
  const auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (!doc.is_object()) {
    throw StorageError("cannot list " + client_.gs_url(prefix) +
                       ": the answer is not a JSON object");
  }
  ObjectPage page;
  if (const auto items = doc.find("items"); items != doc.end() && items->is_array()) {
    for (const auto& item : *items) {
      std::string name = json_string(item, "name");
      const std::uint64_t size = size_field(json_string(item, "size"), name);
      page.objects.push_back(object_info(item, std::move(name), size));
    }
  }
  page.next_token = json_string(doc, "nextPageToken");
  return page;
}

void GcsStorage::delete_batch(std::span<const std::string> names) const {
  for (const std::string& name : names) {
    const http::Response response =
        client_.try_send({.method = "DELETE", .target = client_.object_path(name)});
    if (response.ok() || response.status == http::kNoContent || is_missing(response)) continue;
    client_.fail("cannot delete", name, response);
  }
}

namespace {

const bool kRegistered = [] {
  for (const std::string_view scheme : kSchemes) {
    StorageRegistry::add(std::string(scheme), [](const std::string& url, const Value& options) {
      return std::make_shared<GcsStorage>(url, options);
    });
  }
  return true;
}();

}  // namespace

}  // namespace nuthatch
