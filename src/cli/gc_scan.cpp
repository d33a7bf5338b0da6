// Why gc cannot delete live data:
//  1. Manifests are read before data/ is listed. A payload written after the manifests
//     were read belongs to a commit in flight; it is younger than the grace period, and
//     only garbage older than it is collected.
//  2. A payload is never rewritten (fresh entry id per commit), so an orphan older than
//     the grace period can never become referenced again.
//  3. A manifest that vanished or could not be parsed while scanning protects every
//     payload of its (namespace, key, backend): gc removes nothing it cannot account for.
//  4. An orphaned tree is removed object by object, only the objects that were listed
//     and found unreferenced, never by prefix: nothing gc did not judge is deleted.
//  5. A manifest is reported as naming a missing payload only when the payload is still
//     absent, and the manifest unchanged, on a second look.

#include "cli/gc_scan.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "cli/selection.hpp"
#include "common/ids.hpp"
#include "nuthatch/storage.hpp"
#include "storage/file/file_storage.hpp"

namespace nuthatch::cli {
namespace {

constexpr std::string_view kDataPrefix = "data/";
constexpr std::size_t kEntryIdLength = 26;

/// What the manifests of a store name.
struct References {
  std::set<std::string, std::less<>> files;  ///< single-file payload paths
  std::set<std::string, std::less<>> trees;  ///< tree payload prefixes, ending in '/'
  std::vector<std::string> protected_prefixes;  ///< "data/<ns>/<key>/<backend>-"
  std::vector<std::pair<std::string, Manifest>> manifests;  ///< (path, manifest) with a payload
};

References read_references(const std::shared_ptr<EntryStore>& store, bool show_progress) {
  std::vector<ListedEntry> entries;
  for (EntryInfo& info : store->list()) entries.push_back({std::move(info), store});
  const std::vector<std::optional<Manifest>> manifests = read_manifests(entries, show_progress);
  References refs;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const EntryInfo& e = entries[i].info;
    if (!manifests[i]) {
      refs.protected_prefixes.push_back(fmt::format("data/{}/{}/{}-", e.ns, e.key, e.backend));
      continue;
    }
    const Manifest& m = *manifests[i];
    if (m.payload.empty()) continue;
    refs.files.insert(m.payload);
    refs.trees.insert(m.payload + "/");
    refs.manifests.emplace_back(e.manifest_path, m);
  }
  return refs;
}

bool is_referenced(const References& refs, std::string_view path) {
  if (refs.files.contains(path)) return true;
  for (std::size_t slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    if (refs.trees.contains(path.substr(0, slash + 1))) return true;
  }
  return std::any_of(refs.protected_prefixes.begin(), refs.protected_prefixes.end(),
                     [&](const std::string& p) { return path.starts_with(p); });
}

// "<backend>-<entry id><ext>": the last segment of a payload path. Argument segments
// ("<arg>=<value>") never are.
bool is_payload_name(std::string_view segment) {
  if (segment.find('=') != std::string_view::npos) return false;
  for (std::size_t dash = segment.find('-'); dash != std::string_view::npos;
       dash = segment.find('-', dash + 1)) {
    if (segment.size() >= dash + 1 + kEntryIdLength &&
        entry_id_millis(std::string(segment.substr(dash + 1, kEntryIdLength))) != 0) {
      return true;
    }
  }
  return false;
}

// The tree payload an object belongs to ("" when it is not inside one): the first
// directory below data/<ns>/ named like a payload.
std::string tree_root_of(std::string_view path) {
  std::size_t start = path.find('/', kDataPrefix.size());  // end of the namespace segment
  while (start != std::string_view::npos) {
    const std::size_t end = path.find('/', start + 1);
    if (end == std::string_view::npos) return {};
    if (is_payload_name(path.substr(start + 1, end - start - 1))) {
      return std::string(path.substr(0, end));
    }
    start = end;
  }
  return {};
}

std::vector<Garbage> find_orphans(const References& refs, const std::vector<ObjectInfo>& data) {
  std::vector<Garbage> out;
  std::map<std::string, Garbage> trees;
  for (const ObjectInfo& o : data) {
    if (is_referenced(refs, o.path)) continue;
    std::string root = tree_root_of(o.path);
    if (root.empty()) {
      out.push_back({Garbage::Kind::orphan_payload, o.path, o.size, o.mtime_ns, {}});
      continue;
    }
    Garbage& tree = trees[root];
    tree.kind = Garbage::Kind::orphan_tree;
    tree.path = root;
    tree.bytes += o.size;
    tree.mtime_ns = std::max(tree.mtime_ns, o.mtime_ns);
    tree.objects.push_back(o.path);
  }
  for (auto& [root, tree] : trees) out.push_back(std::move(tree));
  return out;
}

std::vector<Garbage> find_temp_files(const EntryStore& store) {
  std::vector<Garbage> out;
  if (StorageRegistry::scheme_of(store.url()) != "file") return out;
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path root = FileStorage::local_path_of(store.url());
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!FileStorage::is_temp_name(it->path().filename().string())) continue;
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;  // finished meanwhile
    const std::int64_t mtime =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    out.push_back({Garbage::Kind::temp_file, it->path().string(),
                   static_cast<std::uint64_t>(st.st_size), mtime, {}});
    if (it->is_directory(ec)) it.disable_recursion_pending();
  }
  return out;
}

bool payload_exists(Storage& storage, const std::string& payload) {
  return storage.stat(payload).has_value() || !storage.list(payload + "/").empty();
}

std::vector<BrokenEntry> find_broken(EntryStore& store, const References& refs,
                                     const std::vector<ObjectInfo>& data) {
  std::vector<std::string> paths;
  paths.reserve(data.size());
  for (const ObjectInfo& o : data) paths.push_back(o.path);
  std::sort(paths.begin(), paths.end());
  auto listed = [&](const std::string& payload) {
    auto it = std::lower_bound(paths.begin(), paths.end(), payload);
    return it != paths.end() && (*it == payload || it->starts_with(payload + "/"));
  };
  std::vector<BrokenEntry> out;
  for (const auto& [path, m] : refs.manifests) {
    if (listed(m.payload)) continue;
    // Second look: the entry may have been replaced or written since the listing.
    std::optional<Manifest> now = read_manifest(store, path);
    if (!now || now->entry_id != m.entry_id || payload_exists(store.storage(), m.payload)) continue;
    out.push_back({path, *now});
  }
  return out;
}

}  // namespace

std::string_view kind_name(Garbage::Kind kind) {
  switch (kind) {
    case Garbage::Kind::orphan_payload: return "orphan payload";
    case Garbage::Kind::orphan_tree: return "orphan payload tree";
    case Garbage::Kind::temp_file: return "stale temporary file";
  }
  return "garbage";
}

GcScan scan_store(const std::shared_ptr<EntryStore>& store, std::int64_t cutoff_ns,
                  bool show_progress) {
  References refs = read_references(store, show_progress);
  const std::vector<ObjectInfo> data = store->storage().list(kDataPrefix);
  GcScan scan;
  for (Garbage& g : find_orphans(refs, data)) {
    if (g.mtime_ns <= cutoff_ns) scan.garbage.push_back(std::move(g));
  }
  for (Garbage& g : find_temp_files(*store)) {
    if (g.mtime_ns <= cutoff_ns) scan.garbage.push_back(std::move(g));
  }
  scan.broken = find_broken(*store, refs, data);
  return scan;
}

}  // namespace nuthatch::cli
