// StorageRegistry: drivers by URL scheme, plus the default Storage methods.
//
// Drivers register from static initialisers in their own translation units, whose order
// across TUs is unspecified; the map therefore lives in a function-local static (built on
// first use) and is guarded by a mutex.

#include <algorithm>
#include <cctype>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"
#include "storage/storage_paths.hpp"

namespace nuthatch {
namespace {

constexpr std::string_view kSchemeSeparator = "://";
constexpr std::string_view kDefaultScheme = "file";

struct Registry {
  std::mutex mutex;
  std::map<std::string, StorageFactory, std::less<>> factories;
  std::map<std::string, DriverTraits, std::less<>> traits;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
bool is_scheme(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s.front()))) return false;
  for (const char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    if (!std::isalnum(byte) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

// The URL with any user-info ("user:password@") masked, so messages never carry it.
std::string url_for_message(std::string_view url) {
  const std::size_t sep = url.find(kSchemeSeparator);
  if (sep == std::string_view::npos) return std::string(url);
  const std::size_t authority = sep + kSchemeSeparator.size();
  const std::size_t end = url.find_first_of("/?#", authority);
  const std::size_t at = url.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(url);
  return std::string(url.substr(0, authority)) + "****" + std::string(url.substr(at));
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace

void StorageRegistry::add(std::string scheme, StorageFactory factory, DriverTraits traits) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.traits.insert_or_assign(lower(scheme), traits);
  r.factories.insert_or_assign(lower(scheme), std::move(factory));
}

DriverTraits StorageRegistry::traits_of(std::string_view url) {
  const std::string scheme = scheme_of(url);
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.traits.find(scheme);
  return it == r.traits.end() ? DriverTraits{} : it->second;
}

std::vector<std::string> StorageRegistry::schemes() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> out;
  out.reserve(r.factories.size());
  for (const auto& [scheme, factory] : r.factories) out.push_back(scheme);
  return out;
}

std::string StorageRegistry::scheme_of(std::string_view url) {
  const std::size_t sep = url.find(kSchemeSeparator);
  if (sep == std::string_view::npos) return std::string(kDefaultScheme);
  const std::string_view scheme = url.substr(0, sep);
  // "./odd://dir" is a path, not a URL.
  if (!is_scheme(scheme)) return std::string(kDefaultScheme);
  return lower(scheme);
}

StoragePtr StorageRegistry::open(const std::string& url, const Value& options) {
  const std::string scheme = scheme_of(url);
  const bool bare_path = url.find(kSchemeSeparator) == std::string::npos;
  const std::string location = bare_path ? expand_home(url) : url;

  StorageFactory factory;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (auto it = r.factories.find(scheme); it != r.factories.end()) factory = it->second;
  }
  if (!factory) {
    const std::vector<std::string> available = schemes();
    throw ConfigError("unknown storage scheme '" + scheme + "' in '" + url_for_message(url) +
                      "' (available: " + (available.empty() ? "none" : join(available, ", ")) +
                      ")");
  }
  // Called without the lock: a driver may do I/O (or open other locations) here.
  StoragePtr storage = factory(location, options);
  if (!storage) {
    throw ConfigError("storage driver '" + scheme + "' returned no storage for '" +
                      url_for_message(url) + "'");
  }
  return storage;
}

std::optional<VersionedObject> Storage::read_versioned(std::string_view path) {
  // Generation first, bytes second: if the object is replaced in between, the generation
  // is older than the bytes, and a compare-and-swap against it fails (the writer re-reads).
  std::optional<ObjectInfo> info = stat(path);
  if (!info) return std::nullopt;
  std::optional<std::string> data = read(path);
  if (!data) return std::nullopt;
  return VersionedObject{std::move(*data), std::move(info->generation)};
}

void Storage::list_pages(std::string_view prefix, const ListPageCallback& page) {
  std::vector<ObjectInfo> all = list(prefix);
  std::vector<ObjectInfo> batch;
  for (std::size_t begin = 0; begin < all.size(); begin += kListPageSize) {
    const std::size_t end = std::min(all.size(), begin + kListPageSize);
    batch.assign(std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(begin)),
                 std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(end)));
    page(batch);
  }
}

std::vector<ObjectInfo> Storage::collect_pages(std::string_view prefix) {
  std::vector<ObjectInfo> out;
  list_pages(prefix, [&](std::vector<ObjectInfo>& page) {
    if (out.empty()) {
      out = std::move(page);
    } else {
      out.insert(out.end(), std::make_move_iterator(page.begin()),
                 std::make_move_iterator(page.end()));
    }
  });
  return out;
}

std::size_t Storage::remove_prefix(std::string_view prefix) {
  std::vector<std::string> paths;
  for (auto& info : list(prefix)) paths.push_back(std::move(info.path));
  remove(paths);
  return paths.size();
}

std::string Storage::url_of(std::string_view path) const {
  std::string base = url();
  if (path.empty()) return base;
  const bool base_slash = !base.empty() && base.back() == '/';
  const bool path_slash = path.front() == '/';
  if (base_slash && path_slash) {
    path.remove_prefix(1);
  } else if (!base_slash && !path_slash && !base.empty()) {
    base += '/';
  }
  return base + std::string(path);
}

}  // namespace nuthatch
