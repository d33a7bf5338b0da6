// `nuthatch import KEY --backend B --from URL [--namespace NS] [--version V]
//  [--location L] [--name NAME] [--force]`: registers data written elsewhere as an entry.
// `nuthatch import KEY --backend null`: records that KEY's result is null (None), as the
// original Nuthatch's `import --backend null`, so calls return it without computing.
//
// A single-file backend reads the object at URL, checks that the codec can decode it and
// commits it through the location (so it is inlined or copied into data/ exactly as the
// engine would). A tree backend (zarr) copies the tree object by object under a fresh
// payload path, committed by the same protocol (DESIGN §3):
//   1. the payload tree is written under a fresh entry id;
//   2. the manifest is written with a compare-and-swap on the entry seen at the start
//      (if-absent when there was none), so a concurrent writer is never overwritten;
//   3. the replaced entry's payload is retired, not deleted (gc reclaims it after the
//      grace period), and a null entry for the key is removed.
// An imported tree may lack chunks that read as the fill value (writers elsewhere skip
// empty chunks), so its manifest is marked `sparse`.

#include <fmt/format.h>

#include <memory>

#include "cli/command.hpp"
#include "cli/key_syntax.hpp"
#include "cli/output.hpp"
#include "cli/tree_copy.hpp"
#include "common/ids.hpp"
#include "common/strings.hpp"
#include "config/config.hpp"
#include "location/location.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/keys.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch::cli {
namespace {

struct ImportArgs {
  std::string key;
  std::string backend;
  std::string from;
  std::string ns;
  std::string version;
  std::string location = "root";
  std::string name;
  bool force = false;
  bool json = false;
};

/// What an import is about, resolved from the arguments.
struct ImportTarget {
  std::shared_ptr<const Locations> locations;  ///< keeps `location` alive
  const Location* location = nullptr;
  std::shared_ptr<EntryStore> store;  ///< the store of the backend there
  const Codec* codec = nullptr;
  std::optional<ManifestRecord> existing;
  EntryDraft draft;
};

struct ObjectUrl {
  std::string dir;   ///< URL of the containing "directory"
  std::string name;  ///< the object's name in it
};

ObjectUrl split_object_url(const std::string& url) {
  const std::size_t slash = url.find_last_of('/');
  if (slash == std::string::npos || slash + 1 == url.size()) {
    throw UsageError(fmt::format("--from '{}' does not name a file", url));
  }
  std::string dir = url.substr(0, slash);
  // Keep the root: "/x" -> "/", "file:///x" -> "file:///".
  if (dir.empty() || dir.ends_with(":/") || dir.ends_with(":")) dir = url.substr(0, slash + 1);
  return {std::move(dir), url.substr(slash + 1)};
}

// Driver options of the destination apply to a source of the same scheme (credentials).
Value source_options(const ImportArgs& args, const std::string& from) {
  config::LocationSpec spec = config::location(args.location, args.backend);
  if (StorageRegistry::scheme_of(from) == StorageRegistry::scheme_of(spec.url)) return spec.options;
  return Value::object();
}

bool is_null_import(const ImportArgs& args) { return args.backend == kNullBackend; }

ImportTarget resolve_target(const ImportArgs& args) {
  validate_key(args.key);
  const std::string name = args.name.empty() ? split(args.key, '/').front() : args.name;
  try {
    validate_function_name(name);
    if (!args.ns.empty()) validate_namespace(args.ns);
  } catch (const KeyError& e) {
    throw UsageError(e.what());
  }
  ImportTarget t;
  const bool null = is_null_import(args);
  t.codec = null ? nullptr : &CodecRegistry::get(args.backend);
  t.locations = Locations::current();
  t.location = &t.locations->named(args.location);
  t.store = t.location->store_for(null ? std::string() : args.backend);
  if (t.store->read_only()) {
    throw Failure(fmt::format("location {} ({}) is read-only: cannot import key '{}'",
                              args.location, t.store->url(), args.key));
  }
  EntryDraft& d = t.draft;
  d.name = name;
  d.key = args.key;
  d.ns = args.ns.empty() ? std::string(kNoNamespace) : args.ns;
  d.backend = args.backend;
  d.version = args.version;
  d.args = key_args(args.key);
  if (null) d.store_backend = "";
  t.existing = t.store->find(d.ns, d.key, d.backend);
  if (t.existing && !args.force && !null) {
    throw Failure(fmt::format(
        "key '{}' (namespace {}, backend {}) already exists at location {} ({}); pass --force "
        "to replace it",
        d.key, d.ns, d.backend, args.location, t.store->url()));
  }
  return t;
}

Manifest commit(ImportTarget& t, const ImportArgs& args, PayloadSource* payload) {
  Manifest committed;
  if (t.location->commit(t.draft, t.codec, payload, Value::object(), {t.existing, args.force},
                         &committed) == CommitOutcome::kept_existing) {
    throw Failure(fmt::format("key '{}' was written by someone else meanwhile; nothing imported",
                              args.key));
  }
  return committed;
}

// A null entry for the key, unless it has one (nothing to do) or a value entry, which a
// null entry would not hide (a value wins over a null): that is deleted first, knowingly.
int import_null(ImportTarget& t, const ImportArgs& args) {
  const EntryDraft& d = t.draft;
  if (t.existing) {
    if (args.json) {
      print_json(Json{{"location", args.location}, {"namespace", d.ns}, {"key", d.key},
                      {"backend", d.backend}, {"already", true}});
    } else {
      fmt::print("Key '{}' (namespace {}) is already null at location {}\n", d.key, d.ns,
                 args.location);
    }
    return kExitOk;
  }
  if (std::optional<LocatedEntry> value = t.location->find(d.ns, d.key, "")) {
    throw Failure(fmt::format(
        "key '{}' (namespace {}) has a {} entry at location {}: delete it first (nuthatch "
        "delete) to record a null result",
        d.key, d.ns, value->record.manifest.backend, args.location));
  }
  Manifest committed = commit(t, args, nullptr);
  if (args.json) {
    Json out = {{"location", args.location}, {"namespace", committed.ns},
                {"key", committed.key}, {"backend", committed.backend}};
    out.update(manifest_json(committed));
    print_json(out);
  } else {
    fmt::print("Recorded key '{}' (namespace {}) as null at location {}, entry {}\n",
               committed.key, committed.ns, args.location, committed.entry_id);
  }
  return kExitOk;
}

Manifest import_file(ImportTarget& t, const ImportArgs& args, const std::string& from) {
  ObjectUrl url = split_object_url(from);
  StoragePtr source = StorageRegistry::open(url.dir, source_options(args, from));
  std::optional<std::string> bytes = source->read(url.name);
  if (!bytes) throw Failure(fmt::format("nothing to import: no file at {}", from));
  Boxed value;
  try {
    value = t.codec->decode(*bytes, Value::object());
  } catch (const CodecError& e) {
    throw Failure(fmt::format("cannot import {} as backend {}: {}", from, args.backend, e.what()));
  }
  DecodedValue payload(std::move(value));
  return commit(t, args, &payload);
}

Manifest import_tree(ImportTarget& t, const ImportArgs& args, const std::string& from) {
  t.draft.sparse = true;
  CopiedTree payload(StorageRegistry::open(from, source_options(args, from)), "", from,
                     !args.json);
  return commit(t, args, &payload);
}

void print_result(const Manifest& m, const ImportArgs& args, const EntryStore& store) {
  if (args.json) {
    Json out = {{"location", args.location},
                          {"namespace", m.ns},
                          {"key", m.key},
                          {"backend", m.backend},
                          {"url", store.payload_url(m)}};
    out.update(manifest_json(m));
    print_json(out);
    return;
  }
  fmt::print("Imported key '{}' (namespace {}, backend {}) at location {}: {}, entry {}\n", m.key,
             m.ns, m.backend, args.location, human_bytes(m.bytes), m.entry_id);
  fmt::print("  {} {}\n", m.payload.empty() ? "inlined in its manifest" : "stored at",
             store.payload_url(m));
}

int run_import(const ImportArgs& args) {
  if (is_null_import(args) != args.from.empty()) {
    throw UsageError(is_null_import(args)
                         ? "--backend null records a null result and takes no --from"
                         : "--from is required: the URL or path of the data to import (only "
                           "--backend null takes none)");
  }
  ImportTarget target = resolve_target(args);
  if (is_null_import(args)) return import_null(target, args);
  const std::string from = absolute_url(args.from);
  Manifest m = target.codec->single_file() ? import_file(target, args, from)
                                           : import_tree(target, args, from);
  print_result(m, args, *target.store);
  return kExitOk;
}

}  // namespace

Command add_import_command(CLI::App& app) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand("import", "Register existing data as an entry");
  cmd->add_option("KEY", args->key, "The entry's key: <function>[/<arg>=<value>...]")->required();
  cmd->add_option("--backend", args->backend,
                  "Backend of the data, e.g. blob, basic, zarr; null records a null result")
      ->required();
  cmd->add_option("--from", args->from,
                  "URL or path of the file or tree to import (required, but for --backend null)");
  cmd->add_option("--namespace", args->ns, "Namespace of the entry (default: none)");
  cmd->add_option("--version", args->version, "Version recorded in the manifest");
  cmd->add_option("--location", args->location, "Location to import into")->capture_default_str();
  cmd->add_option("--name", args->name, "Function name (default: the first segment of KEY)");
  cmd->add_flag("--force", args->force, "Replace an existing entry");
  cmd->add_flag("--json", args->json, "Print the new entry as JSON");
  return {cmd, [args] { return run_import(*args); }};
}

}  // namespace nuthatch::cli
