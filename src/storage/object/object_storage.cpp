#include "storage/object/object_storage.hpp"

#include <algorithm>
#include <utility>

#include "common/parallel.hpp"
#include "common/strings.hpp"
#include "nuthatch/error.hpp"
#include "storage/http/conditional_write.hpp"
#include "storage/http/digest.hpp"
#include "storage/http/headers.hpp"
#include "storage/http/http_date.hpp"
#include "storage/http/status.hpp"

namespace nuthatch {
PartLayout PartLayout::of(std::uint64_t total, std::uint64_t wanted, std::uint64_t smallest,
                          std::uint64_t max_parts) {
  const std::uint64_t fewest = (total + max_parts - 1) / max_parts;
  PartLayout layout;
  layout.size = std::max<std::uint64_t>({wanted, smallest, fewest, 1});
  layout.count = static_cast<std::size_t>((total + layout.size - 1) / layout.size);
  return layout;
}

std::string_view PartLayout::part(std::string_view data, std::size_t index) const {
  const std::uint64_t offset = index * size;
  return data.substr(offset, std::min<std::uint64_t>(size, data.size() - offset));
}

ObjectStorage::ObjectStorage(std::string url) : url_(std::move(url)) {
  const std::size_t scheme_end = url_.find("://");
  const std::size_t min_size = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  while (url_.ends_with('/') && url_.size() > min_size) url_.pop_back();
}

std::optional<std::string> ObjectStorage::read(std::string_view path, ByteRange range) {
  check_storage_key(path, url_);
  if (range.length && *range.length == 0) {
    return stat(path) ? std::optional<std::string>(std::string()) : std::nullopt;
  }
  const std::string name = name_of(path);
  const bool ranged = http::is_ranged(range);
  const std::string header = ranged ? http::range_header(range) : std::string();
  http::Response response = get(name, ranged ? &header : nullptr);
  if (is_missing(response)) return std::nullopt;
  if (response.status != http::kOk && response.status != http::kPartialContent &&
      response.status != http::kRangeNotSatisfiable) {
    fail("cannot read", name, response);
  }
  return http::body_of_range(response, range, ranged);
}

std::optional<VersionedObject> ObjectStorage::read_versioned(std::string_view path) {
  check_storage_key(path, url_);
  const std::string name = name_of(path);
  http::Response response = get(name, nullptr);
  if (is_missing(response)) return std::nullopt;
  if (response.status != http::kOk) fail("cannot read", name, response);
  std::optional<std::string> generation = generation_of(response);
  if (!generation) return Storage::read_versioned(path);  // a server that does not say
  return VersionedObject{std::move(response.body), std::move(*generation)};
}

std::optional<ObjectInfo> ObjectStorage::stat(std::string_view path) {
  check_storage_key(path, url_);
  std::optional<ObjectHead> found = head(name_of(path), path);
  if (!found) return std::nullopt;
  return std::move(found->info);
}

void ObjectStorage::write(std::string_view path, std::string_view data) {
  check_storage_key(path, url_);
  const std::string name = name_of(path);
  if (data.size() > large_threshold()) {
    put_large(name, data);
    return;
  }
  const http::Response response = put(name, data, WriteCondition::none());
  if (!response.ok()) fail("cannot write", name, response);
}

bool ObjectStorage::write_if(std::string_view path, std::string_view data,
                             const WriteCondition& condition) {
  check_storage_key(path, url_);
  if (condition.kind == WriteCondition::Kind::none) {
    write(path, data);
    return true;
  }
  return put_if(name_of(path), data, condition);
}

bool ObjectStorage::put_if(const std::string& name, std::string_view data,
                           const WriteCondition& condition) {
  const http::Response response = put(name, data, condition);
  return settle_conditional_put(name, data, condition, response, is_refusal(response));
}

bool ObjectStorage::is_refusal(const http::Response& response) const {
  return response.status == http::kPreconditionFailed;
}

bool ObjectStorage::settle_conditional_put(const std::string& name, std::string_view data,
                                           const WriteCondition& condition,
                                           const http::Response& response, bool refused) const {
  const bool if_absent = condition.kind == WriteCondition::Kind::if_absent;
  const http::WriteOutcome outcome = http::conditional_write_outcome(
      response, refused, !if_absent && is_missing(response), [&] {
        const std::optional<ObjectHead> now = head(name, name);
        return now && now->md5_hex == http::hex(http::md5(data));
      });
  if (outcome == http::WriteOutcome::failed) fail("cannot write", name, response);
  return outcome == http::WriteOutcome::won;
}

void ObjectStorage::list_pages(std::string_view prefix, const ListPageCallback& page) {
  check_storage_prefix(prefix, url_);
  const ObjectRoot root_names{root()};
  const std::string name_prefix = root_names.name_of(prefix);
  std::vector<ObjectInfo> out;
  std::string token;
  do {
    ObjectPage listed = list_page(name_prefix, token);
    for (ObjectInfo& info : listed.objects) {
      std::optional<std::string> path = root_names.path_of(info.path, name_prefix);
      if (!path || is_hidden(*path)) continue;
      info.path = std::move(*path);
      out.push_back(std::move(info));
    }
    token = std::move(listed.next_token);
    if (!out.empty()) page(out);  // one page of the store's at a time
    out.clear();
  } while (!token.empty());
}

void ObjectStorage::delete_names(std::vector<std::string> names) const {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  const std::size_t batch = std::max<std::size_t>(1, max_delete_batch());
  const std::size_t batches = (names.size() + batch - 1) / batch;
  run_parallel(batches, max_concurrency(), [&](std::size_t i) {
    const std::size_t begin = i * batch;
    delete_batch(std::span<const std::string>(names).subspan(
        begin, std::min(batch, names.size() - begin)));
  });
}

void ObjectStorage::remove(const std::vector<std::string>& paths) {
  for (const auto& path : paths) check_storage_key(path, url_);
  std::vector<std::string> names;
  names.reserve(paths.size());
  for (const auto& path : paths) names.push_back(name_of(path));
  delete_names(std::move(names));
}

std::size_t ObjectStorage::remove_prefix(std::string_view prefix) {
  check_storage_prefix(prefix, url_);
  std::vector<std::string> names;
  for (const ObjectInfo& info : list(prefix)) names.push_back(name_of(info.path));
  const std::size_t count = names.size();
  delete_names(std::move(names));
  return count;
}

ObjectHead ObjectStorage::head_from_headers(const http::Response& response,
                                            std::string_view path, std::string_view name) const {
  ObjectHead head;
  ObjectInfo& info = head.info;
  info.path = std::string(path);
  if (const auto length = response.header("content-length")) info.size = size_field(*length, name);
  if (const auto modified = response.header("last-modified")) {
    info.mtime_ns = http::parse_http_date(*modified).value_or(0);
  }
  info.generation = http::unquote(response.header("etag").value_or(""));
  return head;
}

std::uint64_t ObjectStorage::size_field(std::string_view text, std::string_view name) const {
  if (text.empty()) return 0;
  return require_uint<StorageError>(text, "the size of '" + std::string(name) + "' in " + url_);
}

}  // namespace nuthatch
