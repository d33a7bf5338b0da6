// Why gc cannot delete live data (the commit protocol is meta/entry_store.cpp):
//  1. Manifests are read before data/ is listed. A payload written after the manifests
//     were read belongs to a commit in flight; it is younger than the grace period, and
//     only garbage older than it is collected.
//  2. A payload is never rewritten (fresh entry id per commit), so a payload that no
//     manifest names can never become named again.
//  3. A payload that was named and then replaced or deleted is *retired*: its marker
//     (retired/...) was written before the manifest swap, and the payload is reclaimed
//     only when the marker is older than the grace period, however old the payload is.
//     Readers that opened it have had the grace period to finish.
//  4. A payload with neither manifest nor marker (a writer that crashed before its swap,
//     or a marker write that failed) is judged by the newest modification of anything
//     in it, so a tree still being written is never taken apart.
//  5. A manifest that cannot be read or is not valid where it lies protects every payload
//     of its (namespace, key, backend): gc removes nothing it cannot account for.
//  6. Paths are derived: gc only ever removes objects it listed under data/, markers it
//     listed under retired/ and the file driver's temporary files; trees are removed
//     object by object (a second listing), never by a prefix taken from storage.
//  7. Ages are storage times (the objects' and markers' modification times), compared
//     with a cutoff taken from the same storage's clock (gc_command.cpp).
//  8. A manifest is reported as naming a missing payload only when the payload is still
//     absent, and the manifest unchanged, on a second look.

#include "cli/gc_scan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "cli/selection.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "nuthatch/storage.hpp"
#include "storage/file/file_storage.hpp"

namespace nuthatch::cli {
namespace {

constexpr std::size_t kRemoveBatch = 1000;

/// What the manifests of a store name.
struct References {
  std::set<std::string, std::less<>> payloads;  ///< payload paths (files and tree roots)
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
    refs.payloads.insert(m.payload);
    refs.manifests.emplace_back(e.manifest_path, m);
  }
  return refs;
}

bool is_protected(const References& refs, std::string_view root) {
  return refs.payloads.contains(root) ||
         std::any_of(refs.protected_prefixes.begin(), refs.protected_prefixes.end(),
                     [&](const std::string& p) { return root.starts_with(p); });
}

// "<backend>-<entry id><ext>": the last segment of a payload path. Argument segments
// ("<arg>=<value>") never are.
bool is_payload_name(std::string_view segment) {
  if (segment.find('=') != std::string_view::npos) return false;
  for (std::size_t dash = segment.find('-'); dash != std::string_view::npos;
       dash = segment.find('-', dash + 1)) {
    if (segment.size() >= dash + 1 + kEntryIdLength &&
        is_entry_id(segment.substr(dash + 1, kEntryIdLength))) {
      return true;
    }
  }
  return false;
}

// The payload an object of data/ belongs to: the first segment below data/<ns>/ named
// like a payload (a file payload is its own root); the object itself when none is.
std::string_view payload_root_of(std::string_view path) {
  std::size_t start = path.find('/', kDataPrefix.size());  // end of the namespace segment
  while (start != std::string_view::npos) {
    const std::size_t end = path.find('/', start + 1);
    const std::string_view segment =
        path.substr(start + 1, end == std::string_view::npos ? end : end - start - 1);
    if (is_payload_name(segment)) return path.substr(0, end);
    start = end;
  }
  return path;
}

/// Every page of a listing, in turn (bounded memory: Storage::list_pages).
template <class F>
void for_each_page(Storage& storage, std::string_view prefix, F&& visit) {
  storage.list_pages(prefix, [&](std::vector<ObjectInfo>& page) { visit(page); });
}

struct Marker {
  std::string path;
  std::int64_t mtime_ns = 0;
};

/// The retirement markers of a store, by payload path.
std::unordered_map<std::string, Marker> read_markers(Storage& storage) {
  std::unordered_map<std::string, Marker> out;
  for_each_page(storage, kRetiredPrefix, [&](std::vector<ObjectInfo>& page) {
    for (ObjectInfo& o : page) {
      if (std::optional<std::string> payload = retired_payload_of(o.path)) {
        out[std::move(*payload)] = Marker{std::move(o.path), o.mtime_ns};
      }
    }
  });
  return out;
}

/// Unreferenced payloads, summed per root while data/ is read page by page.
std::map<std::string, Garbage, std::less<>> find_unreferenced(Storage& storage,
                                                             const References& refs) {
  std::map<std::string, Garbage, std::less<>> roots;
  for_each_page(storage, kDataPrefix, [&](std::vector<ObjectInfo>& page) {
    for (const ObjectInfo& o : page) {
      const std::string_view root = payload_root_of(o.path);
      if (is_protected(refs, root)) continue;
      auto it = roots.find(root);
      if (it == roots.end()) {
        it = roots.emplace(std::string(root), Garbage{}).first;
        it->second.path = std::string(root);
      }
      Garbage& g = it->second;
      g.bytes += o.size;
      g.objects += 1;
      g.mtime_ns = std::max(g.mtime_ns, o.mtime_ns);
    }
  });
  return roots;
}

// Temporary files: what the driver reports (the file driver's own, walked by descriptor
// following no link; object stores write atomically in one request and report none).
std::vector<Garbage> find_temp_files(const EntryStore& store) {
  std::vector<Garbage> out;
  store.storage().list_temp_files([&](const Storage::TempEntry& t) {
    Garbage g;
    g.kind = Garbage::Kind::temp_file;
    g.path = t.path;
    g.bytes = t.size;
    g.objects = 1;
    g.mtime_ns = t.mtime_ns;
    g.directory = t.is_directory;
    out.push_back(std::move(g));
  });
  return out;
}

bool payload_exists(Storage& storage, const std::string& payload) {
  return storage.stat(payload).has_value() || !storage.list(payload + "/").empty();
}

std::vector<BrokenEntry> find_broken(EntryStore& store, const References& refs) {
  std::vector<BrokenEntry> out;
  for (const auto& [path, m] : refs.manifests) {
    if (payload_exists(store.storage(), m.payload)) continue;
    // Second look: the entry may have been replaced or written since it was read.
    std::optional<Manifest> now = store.manifest_at(path);
    if (!now || now->entry_id != m.entry_id || payload_exists(store.storage(), m.payload)) continue;
    out.push_back({path, *now});
  }
  return out;
}

void remove_temp(EntryStore& store, const Garbage& g) { store.storage().remove_temp(g.path); }

}  // namespace

std::string_view kind_name(Garbage::Kind kind) {
  switch (kind) {
    case Garbage::Kind::retired_payload: return "retired payload";
    case Garbage::Kind::orphan_payload: return "orphan payload";
    case Garbage::Kind::stale_marker: return "stale retirement marker";
    case Garbage::Kind::temp_file: return "stale temporary file";
  }
  return "garbage";
}

GcScan scan_store(const std::shared_ptr<EntryStore>& store, std::int64_t cutoff_ns,
                  bool show_progress) {
  References refs = read_references(store, show_progress);
  Storage& storage = store->storage();
  std::unordered_map<std::string, Marker> markers = read_markers(storage);
  std::map<std::string, Garbage, std::less<>> roots = find_unreferenced(storage, refs);
  GcScan scan;
  for (auto& [root, g] : roots) {
    auto marker = markers.find(root);
    if (marker != markers.end()) {
      g.kind = Garbage::Kind::retired_payload;
      g.mtime_ns = marker->second.mtime_ns;  // invariant 3: the time it was retired
    }
    if (g.mtime_ns <= cutoff_ns) scan.garbage.push_back(std::move(g));
  }
  // Markers whose payload is named again (a swap that lost its race) or already gone.
  for (auto& [payload, marker] : markers) {
    if (roots.contains(payload) || marker.mtime_ns > cutoff_ns) continue;
    Garbage g;
    g.kind = Garbage::Kind::stale_marker;
    g.path = marker.path;
    g.objects = 1;
    g.mtime_ns = marker.mtime_ns;
    scan.garbage.push_back(std::move(g));
  }
  for (Garbage& g : find_temp_files(*store)) {
    if (g.mtime_ns <= cutoff_ns) scan.garbage.push_back(std::move(g));
  }
  scan.broken = find_broken(*store, refs);
  return scan;
}

std::vector<std::string> remove_garbage(EntryStore& store, const std::vector<Garbage>& garbage) {
  Storage& storage = store.storage();
  std::vector<std::string> errors(garbage.size());
  std::map<std::string, std::size_t, std::less<>> payload_index;  // root -> item
  for (std::size_t i = 0; i < garbage.size(); ++i) {
    const Garbage& g = garbage[i];
    if (g.kind == Garbage::Kind::retired_payload || g.kind == Garbage::Kind::orphan_payload) {
      // What the payload holds elsewhere (an sql table) goes first; when it cannot, the
      // payload stays, for a later gc.
      try {
        store.release_payload(g.path);
      } catch (const std::exception& e) {
        errors[i] = e.what();
        continue;
      }
      payload_index.emplace(g.path, i);
    }
  }
  // Temporary files first: one inside a crashed writer's payload would keep its
  // directories from being pruned when the payload's objects go.
  for (std::size_t i = 0; i < garbage.size(); ++i) {
    if (garbage[i].kind != Garbage::Kind::temp_file) continue;
    try {
      remove_temp(store, garbage[i]);
    } catch (const std::exception& e) {
      errors[i] = e.what();
    }
  }
  // Payloads: a second listing of data/, removing only objects under the judged roots.
  if (!payload_index.empty()) {
    for_each_page(storage, kDataPrefix, [&](std::vector<ObjectInfo>& page) {
      std::vector<std::string> batch;
      std::vector<std::size_t> owners;
      auto flush = [&] {
        if (batch.empty()) return;
        try {
          storage.remove(batch);
        } catch (const std::exception& e) {
          for (std::size_t owner : owners) errors[owner] = e.what();
        }
        batch.clear();
        owners.clear();
      };
      for (const ObjectInfo& o : page) {
        auto it = payload_index.find(payload_root_of(o.path));
        if (it == payload_index.end()) continue;
        batch.push_back(o.path);
        owners.push_back(it->second);
        if (batch.size() >= kRemoveBatch) flush();
      }
      flush();
    });
  }
  // Then the markers of the payloads removed, and stale markers and temp files.
  for (std::size_t i = 0; i < garbage.size(); ++i) {
    const Garbage& g = garbage[i];
    if (!errors[i].empty()) continue;
    try {
      switch (g.kind) {
        case Garbage::Kind::retired_payload:
          storage.remove({retirement_marker_path(g.path)});
          break;
        case Garbage::Kind::orphan_payload: break;
        case Garbage::Kind::stale_marker: storage.remove({g.path}); break;
        case Garbage::Kind::temp_file: break;  // removed first
      }
    } catch (const std::exception& e) {
      errors[i] = e.what();
    }
  }
  return errors;
}

}  // namespace nuthatch::cli
