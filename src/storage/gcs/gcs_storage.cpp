#include "storage/gcs/gcs_storage.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/base64.hpp"
#include "common/time.hpp"
#include "nuthatch/error.hpp"
#include "storage/http/conditional_write.hpp"
#include "storage/http/digest.hpp"
#include "storage/parallel.hpp"
#include "storage/storage_paths.hpp"

namespace nuthatch {
namespace {

constexpr std::string_view kSchemes[] = {"gs", "gcs"};
constexpr long kOk = 200;
constexpr long kNoContent = 204;
constexpr long kPartialContent = 206;
constexpr long kNotFound = 404;
constexpr long kPreconditionFailed = 412;
constexpr long kRangeNotSatisfiable = 416;

std::string range_header(const ByteRange& range) {
  std::string value = "bytes=" + std::to_string(range.offset) + "-";
  if (range.length) value += std::to_string(range.offset + *range.length - 1);
  return value;
}

std::string json_string(const nlohmann::json& doc, const char* name) {
  const auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An object resource (objects.get, an item of objects.list) as ObjectInfo.
ObjectInfo object_info(const nlohmann::json& resource, std::string path) {
  ObjectInfo info;
  info.path = std::move(path);
  const std::string size = json_string(resource, "size");
  info.size = size.empty() ? 0 : std::stoull(size);
  info.mtime_ns = parse_iso8601_ns(json_string(resource, "updated")).value_or(0);
  info.generation = json_string(resource, "generation");
  return info;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

// A 404 that names the bucket rather than the object (GCS: "The specified bucket does not
// exist."): the location is wrong, which is an error, not a missing key.
bool is_missing_bucket(const http::Response& response) {
  return gcs::gcs_error_detail(response.body).find("bucket does not exist") != std::string::npos;
}

}  // namespace

GcsStorage::GcsStorage(std::string url, const Value& options, http::TransportPtr transport)
    : url_(std::move(url)), client_(gcs::resolve_gcs_options(url_, options), std::move(transport)) {
  const std::size_t min_size = url_.find("://") + 3;
  while (url_.ends_with('/') && url_.size() > min_size) url_.pop_back();
}

std::string GcsStorage::name_of(std::string_view path) const {
  return ObjectRoot{client_.options().prefix}.name_of(path);
}

std::optional<std::string> GcsStorage::read(std::string_view path, ByteRange range) {
  check_storage_key(path, url_);
  if (range.length && *range.length == 0) {
    return stat(path) ? std::optional<std::string>(std::string()) : std::nullopt;
  }
  const std::string name = name_of(path);
  gcs::GcsCall call{.target = client_.object_path(name), .query = {{"alt", "media"}}};
  const bool ranged = range.offset > 0 || range.length.has_value();
  if (ranged) call.headers.emplace_back("Range", range_header(range));
  http::Response response = client_.try_send(call);
  if (response.status == kNotFound && !is_missing_bucket(response)) return std::nullopt;
  if (response.status == kRangeNotSatisfiable) return std::string();  // past the end
  if (response.status == kPartialContent) return std::move(response.body);
  if (response.status != kOk) client_.fail("cannot read", name, response);
  if (!ranged) return std::move(response.body);
  std::string& body = response.body;  // the server ignored Range
  if (range.offset >= body.size()) return std::string();
  const std::uint64_t available = body.size() - range.offset;
  return body.substr(range.offset, std::min(range.length.value_or(available), available));
}

std::optional<VersionedObject> GcsStorage::read_versioned(std::string_view path) {
  check_storage_key(path, url_);
  const std::string name = name_of(path);
  http::Response response =
      client_.try_send({.target = client_.object_path(name), .query = {{"alt", "media"}}});
  if (response.status == kNotFound && !is_missing_bucket(response)) return std::nullopt;
  if (response.status != kOk) client_.fail("cannot read", name, response);
  std::optional<std::string> generation = response.header("x-goog-generation");
  if (!generation) return Storage::read_versioned(path);  // a server that does not say
  return VersionedObject{std::move(response.body), std::move(*generation)};
}

std::optional<ObjectInfo> GcsStorage::metadata(const std::string& name, std::string_view path,
                                               std::string* md5) const {
  const http::Response response = client_.try_send({.target = client_.object_path(name)});
  if (response.status == kNotFound && !is_missing_bucket(response)) return std::nullopt;
  if (response.status != kOk) client_.fail("cannot stat", name, response);
  const auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (!doc.is_object()) {
    throw StorageError("cannot stat " + client_.gs_url(name) + ": the answer is not a JSON object");
  }
  if (md5 != nullptr) *md5 = json_string(doc, "md5Hash");
  return object_info(doc, std::string(path));
}

std::optional<ObjectInfo> GcsStorage::stat(std::string_view path) {
  check_storage_key(path, url_);
  return metadata(name_of(path), path);
}

http::Response GcsStorage::upload_media(const std::string& name, std::string_view data,
                                        gcs::QueryParams preconditions) const {
  gcs::GcsCall call{.method = "POST",
                    .target = client_.upload_path(),
                    .query = std::move(preconditions),
                    .headers = {{"Content-Type", "application/octet-stream"}},
                    .body = data};
  call.query.emplace_back("uploadType", "media");
  call.query.emplace_back("name", name);
  // Only the generation is needed back, not the whole resource.
  call.query.emplace_back("fields", "generation");
  return client_.try_send(call);
}

void GcsStorage::write(std::string_view path, std::string_view data) {
  check_storage_key(path, url_);
  const std::string name = name_of(path);
  if (data.size() > client_.options().resumable_threshold) {
    upload_resumable(name, data);
    return;
  }
  const http::Response response = upload_media(name, data, {});
  if (!response.ok()) client_.fail("cannot write", name, response);
}

// ifGenerationMatch=0 means "no live object" and =<g> "the live object has generation g";
// GCS evaluates it and writes atomically, refusing with 412 (the answer is read as every
// driver reads it, see http/conditional_write.hpp).
bool GcsStorage::write_if(std::string_view path, std::string_view data,
                          const WriteCondition& condition) {
  check_storage_key(path, url_);
  if (condition.kind == WriteCondition::Kind::none) {
    write(path, data);
    return true;
  }
  const bool if_absent = condition.kind == WriteCondition::Kind::if_absent;
  // A generation GCS never assigns (from another store, or garbage) matches nothing.
  if (!if_absent && !all_digits(condition.generation)) return false;
  const std::string name = name_of(path);
  const http::Response response = upload_media(
      name, data, {{"ifGenerationMatch", if_absent ? "0" : condition.generation}});
  const http::WriteOutcome outcome = http::conditional_write_outcome(
      response, {kPreconditionFailed},
      !if_absent && response.status == kNotFound && !is_missing_bucket(response), [&] {
        std::string md5;
        return metadata(name, path, &md5) && md5 == base64_encode(http::md5(data));
      });
  if (outcome == http::WriteOutcome::failed) client_.fail("cannot write", name, response);
  return outcome == http::WriteOutcome::won;
}

std::vector<ObjectInfo> GcsStorage::list(std::string_view prefix) { return collect_pages(prefix); }

void GcsStorage::list_pages(std::string_view prefix, const ListPageCallback& page) {
  check_storage_prefix(prefix, url_);
  const ObjectRoot root{client_.options().prefix};
  const std::string name_prefix = root.name_of(prefix);
  std::vector<ObjectInfo> out;
  std::string token;
  do {
    gcs::GcsCall call{.target = client_.objects_path(),
                      .query = {{"prefix", name_prefix},
                                {"maxResults", std::to_string(client_.options().max_results)},
                                {"fields", "items(name,size,generation,updated),nextPageToken"}}};
    if (!token.empty()) call.query.emplace_back("pageToken", token);
    const http::Response response = client_.try_send(call);
    if (!response.ok()) client_.fail("cannot list", name_prefix, response);
    const auto doc = nlohmann::json::parse(response.body, nullptr, false);
    if (!doc.is_object()) {
      throw StorageError("cannot list " + client_.gs_url(name_prefix) +
                         ": the answer is not a JSON object");
    }
    if (const auto items = doc.find("items"); items != doc.end() && items->is_array()) {
      for (const auto& item : *items) {
        if (auto path = root.path_of(json_string(item, "name"), name_prefix)) {
          out.push_back(object_info(item, std::move(*path)));
        }
      }
    }
    token = json_string(doc, "nextPageToken");
    if (!out.empty()) page(out);  // one objects.list page at a time
    out.clear();
  } while (!token.empty());
}

void GcsStorage::delete_names(const std::vector<std::string>& names) const {
  run_parallel(names.size(), client_.options().client.max_concurrency, [&](std::size_t i) {
    const http::Response response =
        client_.try_send({.method = "DELETE", .target = client_.object_path(names[i])});
    if (response.ok() || response.status == kNoContent) return;
    if (response.status == kNotFound && !is_missing_bucket(response)) return;
    client_.fail("cannot delete", names[i], response);
  });
}

void GcsStorage::remove(const std::vector<std::string>& paths) {
  for (const auto& path : paths) check_storage_key(path, url_);
  std::vector<std::string> names;
  names.reserve(paths.size());
  for (const auto& path : paths) names.push_back(name_of(path));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  delete_names(names);
}

std::size_t GcsStorage::remove_prefix(std::string_view prefix) {
  check_storage_prefix(prefix, url_);
  std::vector<std::string> names;
  for (const ObjectInfo& info : list(prefix)) names.push_back(name_of(info.path));
  delete_names(names);
  return names.size();
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
