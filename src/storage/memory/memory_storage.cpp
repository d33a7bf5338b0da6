#include "storage/memory/memory_storage.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>

#include "storage/storage_paths.hpp"

namespace nuthatch {

struct MemoryStorage::Store {
  struct Object {
    std::string data;
    std::string generation;
    std::int64_t mtime_ns = 0;
  };
  std::mutex mutex;
  std::map<std::string, Object, std::less<>> objects;  // ordered: list() is a range scan
};

namespace {

constexpr std::string_view kScheme = "memory";
constexpr std::string_view kUrlPrefix = "memory://";

// Process-wide, so a generation never repeats, even after remove + write.
std::string next_generation() {
  static std::atomic<std::uint64_t> counter{0};
  return std::to_string(counter.fetch_add(1, std::memory_order_relaxed) + 1);
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::shared_ptr<MemoryStorage::Store> store_named(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<MemoryStorage::Store>, std::less<>> stores;
  std::lock_guard lock(mutex);
  auto& store = stores[name];
  if (!store) store = std::make_shared<MemoryStorage::Store>();
  return store;
}

std::string store_name_of(std::string_view url) {
  std::string_view name = url;
  if (name.starts_with(kUrlPrefix)) name.remove_prefix(kUrlPrefix.size());
  while (name.ends_with('/')) name.remove_suffix(1);
  return std::string(name);
}

ObjectInfo info_of(const std::string& path, const MemoryStorage::Store::Object& object) {
  return {path, object.data.size(), object.mtime_ns, object.generation};
}

void put(MemoryStorage::Store::Object& object, std::string_view data) {
  object.data.assign(data);
  object.generation = next_generation();
  object.mtime_ns = now_ns();
}

}  // namespace

MemoryStorage::MemoryStorage(std::string url)
    : url_(std::move(url)), store_(store_named(store_name_of(url_))) {}

std::optional<std::string> MemoryStorage::read(std::string_view path, ByteRange range) {
  check_storage_key(path, url_);
  std::lock_guard lock(store_->mutex);
  const auto it = store_->objects.find(path);
  if (it == store_->objects.end()) return std::nullopt;
  const std::string& data = it->second.data;
  if (range.offset >= data.size()) return std::string();
  const std::uint64_t available = data.size() - range.offset;
  return data.substr(range.offset, std::min(range.length.value_or(available), available));
}

std::optional<ObjectInfo> MemoryStorage::stat(std::string_view path) {
  check_storage_key(path, url_);
  std::lock_guard lock(store_->mutex);
  const auto it = store_->objects.find(path);
  if (it == store_->objects.end()) return std::nullopt;
  return info_of(it->first, it->second);
}

void MemoryStorage::write(std::string_view path, std::string_view data) {
  check_storage_key(path, url_);
  std::lock_guard lock(store_->mutex);
  put(store_->objects[std::string(path)], data);
}

bool MemoryStorage::write_if(std::string_view path, std::string_view data,
                             const WriteCondition& condition) {
  check_storage_key(path, url_);
  std::lock_guard lock(store_->mutex);
  const auto it = store_->objects.find(path);
  switch (condition.kind) {
    case WriteCondition::Kind::none:
      break;
    case WriteCondition::Kind::if_absent:
      if (it != store_->objects.end()) return false;
      break;
    case WriteCondition::Kind::if_generation:
      if (it == store_->objects.end() || it->second.generation != condition.generation) {
        return false;
      }
      break;
  }
  put(it != store_->objects.end() ? it->second : store_->objects[std::string(path)], data);
  return true;
}

std::vector<ObjectInfo> MemoryStorage::list(std::string_view prefix) {
  check_storage_prefix(prefix, url_);
  std::vector<ObjectInfo> out;
  std::lock_guard lock(store_->mutex);
  for (auto it = store_->objects.lower_bound(prefix);
       it != store_->objects.end() && it->first.starts_with(prefix); ++it) {
    out.push_back(info_of(it->first, it->second));
  }
  return out;
}

void MemoryStorage::list_pages(std::string_view prefix, const ListPageCallback& page) {
  check_storage_prefix(prefix, url_);
  std::vector<ObjectInfo> batch;
  std::string after;  // the last path handed over; the next page starts past it
  bool first = true;
  while (true) {
    {
      // The lock is not held while `page` runs: it may use this store.
      std::lock_guard lock(store_->mutex);
      auto it = first ? store_->objects.lower_bound(prefix) : store_->objects.upper_bound(after);
      for (; it != store_->objects.end() && it->first.starts_with(prefix) &&
             batch.size() < kListPageSize;
           ++it) {
        batch.push_back(info_of(it->first, it->second));
      }
    }
    if (batch.empty()) return;
    first = false;
    after = batch.back().path;
    page(batch);
    batch.clear();
  }
}

void MemoryStorage::remove(const std::vector<std::string>& paths) {
  for (const auto& path : paths) check_storage_key(path, url_);
  std::lock_guard lock(store_->mutex);
  for (const auto& path : paths) store_->objects.erase(path);
}

std::size_t MemoryStorage::remove_prefix(std::string_view prefix) {
  check_storage_prefix(prefix, url_);
  std::lock_guard lock(store_->mutex);
  const auto first = store_->objects.lower_bound(prefix);
  auto last = first;
  std::size_t removed = 0;
  while (last != store_->objects.end() && last->first.starts_with(prefix)) {
    ++last;
    ++removed;
  }
  store_->objects.erase(first, last);
  return removed;
}

namespace {

const StorageRegistrar kRegistrar(std::string(kScheme), [](const std::string& url,
                                                           const Value& /*options*/) {
  return std::make_shared<MemoryStorage>(url);
}, DriverTraits{.in_process = true});

}  // namespace

}  // namespace nuthatch
