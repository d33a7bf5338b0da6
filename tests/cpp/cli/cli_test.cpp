// The `nuthatch` command, run as a child process against a throwaway project whose
// nuthatch.toml names root/ inside it (DESIGN §9).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli/run_cli.hpp"
#include "common/ids.hpp"
#include "location/location.hpp"
#include "meta/entry_store.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;
namespace fs = std::filesystem;
using nh::testing::run_cli;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

constexpr char kSecret[] = "hunter22";
constexpr std::size_t kLargeBlob = 10000;  // above the inline limit: a payload file

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

void make_old(const fs::path& p) {
  fs::last_write_time(p, fs::last_write_time(p) - std::chrono::hours(2));
}

class CliTest : public ::testing::Test {
 protected:
  CliTest()
      : project_(std::string("[nuthatch.filesystem_options]\nsecret = \"") + kSecret + "\"\n") {}

  /// Commits a value at root with the engine's commit protocol; returns its manifest.
  nh::Manifest commit(const std::string& key, const nh::Boxed& value, const std::string& backend,
                      const std::string& ns = "_") {
    nh::Manifest m;
    m.name = key.substr(0, key.find('/'));
    m.key = key;
    m.ns = ns;
    m.backend = backend;
    m.version = "1.0";
    auto store = nh::Locations::current()->root().store_for(backend);
    store->commit(m, value, &nh::CodecRegistry::get(backend), nh::Value::object(),
                  store->find(ns, key, backend), true);
    return store->find(ns, key, backend)->manifest;
  }
  nh::Manifest commit_value(const std::string& key, nh::Value v, const std::string& ns = "_") {
    return commit(key, nh::Boxed::make<nh::Value>(std::move(v)), "basic", ns);
  }
  nh::Manifest commit_blob(const std::string& key, std::size_t size, const std::string& ns = "_") {
    return commit(key, nh::Boxed::make<nh::Bytes>(nh::Bytes(std::string(size, 'b'))), "blob", ns);
  }
  bool exists(const std::string& key, const std::string& backend = "basic",
              const std::string& ns = "_") {
    return nh::Locations::current()->root().store_for(backend)->find(ns, key, backend).has_value();
  }
  /// The entries `list --json` prints for the given extra arguments.
  nlohmann::json list_json(std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"list", "--json"});
    nh::testing::CliResult r = run_cli(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
  static std::vector<std::string> keys_of(const nlohmann::json& rows) {
    std::vector<std::string> keys;
    for (const auto& row : rows) keys.push_back(row["key"].get<std::string>());
    return keys;
  }

  nh::testing::TempProject project_;
};

// --- the command line itself ---------------------------------------------------------------

TEST_F(CliTest, VersionAndHelpSucceed) {
  auto version = run_cli({"--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_THAT(version.out, HasSubstr(NUTHATCH_VERSION_STRING));
  for (const char* command : {"list", "delete", "import", "print-config", "du", "gc"}) {
    auto help = run_cli({command, "--help"});
    EXPECT_EQ(help.status, 0) << command;
    EXPECT_THAT(help.out, HasSubstr("Usage")) << command;
  }
}

TEST_F(CliTest, UsageErrorsExitWithTwo) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{},
                                             {"list", "--no-such-option"},
                                             {"no-such-command"},
                                             {"delete"},
                                             {"import", "k", "--backend", "blob"},
                                             {"gc", "--grace", "soon"},
                                             {"delete", "f", "--parallel", "0"}}) {
    auto r = run_cli(args);
    EXPECT_EQ(r.status, 2) << fmt::format("{}", fmt::join(args, " ")) << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("usage error"));
  }
}

TEST_F(CliTest, LibraryErrorsExitWithOneAndSayWhatFailed) {
  auto r = run_cli({"list", "--location", "mirror-nowhere"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("nuthatch: error:"));
  EXPECT_THAT(r.err, HasSubstr("mirror-nowhere"));
}

// --- list ----------------------------------------------------------------------------------

TEST_F(CliTest, ListSaysSoWhenThereAreNoEntries) {
  auto r = run_cli({"list"});
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("No entries"));
  EXPECT_EQ(list_json(), nlohmann::json::array());
}

TEST_F(CliTest, ListShowsEntriesWrittenThroughTheCache) {
  auto f = nh::cache("f", {"x"}, {.cache_args = {"x"}}, [](int x) { return x * 2; });
  f(1);
  f(2);
  commit_value("g/y=a", "v", "exp");

  auto r = run_cli({"list"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("NAMESPACE"));
  EXPECT_THAT(r.out, HasSubstr("MODIFIED"));
  EXPECT_THAT(r.out, HasSubstr("f/x=1"));
  EXPECT_THAT(r.out, HasSubstr("g/y=a"));
  EXPECT_THAT(r.out, HasSubstr("exp"));
  EXPECT_LT(r.out.find("f/x=1"), r.out.find("f/x=2"));

  nlohmann::json rows = list_json();
  ASSERT_EQ(rows.size(), 3u);
  // Sorted by namespace, then key: "_" sorts before "exp".
  EXPECT_EQ(keys_of(rows), (std::vector<std::string>{"f/x=1", "f/x=2", "g/y=a"}));
  EXPECT_EQ(rows[0]["location"], "root");
  EXPECT_EQ(rows[0]["namespace"], "_");
  EXPECT_EQ(rows[0]["backend"], "basic");
  EXPECT_THAT(rows[0]["modified"].get<std::string>(), HasSubstr("T"));
  EXPECT_EQ(rows[2]["namespace"], "exp");
  EXPECT_FALSE(rows[0].contains("entry_id"));  // no manifest read without -v
}

TEST_F(CliTest, ListFiltersByGlobNamespaceAndBackend) {
  commit_value("f/x=1", 1);
  commit_value("f/x=2", 2);
  commit_value("ff/x=1", 3);
  commit_value("f/x=1", 4, "exp");
  commit_blob("f/x=1", 10);

  // A bare function name selects its entries, not those of a longer name.
  EXPECT_EQ(keys_of(list_json({"f", "--namespace", "_", "--backend", "basic"})),
            (std::vector<std::string>{"f/x=1", "f/x=2"}));
  EXPECT_EQ(keys_of(list_json({"f*", "--backend", "basic", "--namespace", "_"})),
            (std::vector<std::string>{"f/x=1", "f/x=2", "ff/x=1"}));
  EXPECT_EQ(keys_of(list_json({"*/x=1", "--namespace", "_"})),
            (std::vector<std::string>{"f/x=1", "f/x=1", "ff/x=1"}));
  EXPECT_EQ(list_json({"--namespace", "exp"}).size(), 1u);
  nlohmann::json blobs = list_json({"--backend", "blob"});
  ASSERT_EQ(blobs.size(), 1u);
  EXPECT_EQ(blobs[0]["backend"], "blob");
  auto none = run_cli({"list", "nothing*"});
  EXPECT_EQ(none.status, 0);
  EXPECT_THAT(none.out, HasSubstr("No entries"));
}

TEST_F(CliTest, VerboseListReadsManifests) {
  nh::Manifest m = commit_blob("big/x=1", kLargeBlob);
  auto r = run_cli({"list", "-v"});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* column : {"VERSION", "SIZE", "ENTRY_ID", "CREATED", "USER"}) {
    EXPECT_THAT(r.out, HasSubstr(column));
  }
  EXPECT_THAT(r.out, HasSubstr(m.entry_id));
  EXPECT_THAT(r.out, HasSubstr("9.8 KiB"));

  nlohmann::json rows = list_json({"-v"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["entry_id"], m.entry_id);
  EXPECT_EQ(rows[0]["bytes"], kLargeBlob);
  EXPECT_EQ(rows[0]["version"], "1.0");
  EXPECT_EQ(rows[0]["payload"], m.payload);
}

TEST_F(CliTest, ListAllLocationsShowsWhereEachEntryIs) {
  commit_value("f/x=1", 1);
  nh::EntryStore local(nh::StorageRegistry::open(project_.local().string()), "local");
  nh::Manifest m;
  m.name = "f";
  m.key = "f/x=9";
  m.backend = "basic";
  local.commit(m, nh::Boxed::make<nh::Value>(nh::Value(9)), &nh::CodecRegistry::get("basic"),
               nh::Value::object(), std::nullopt, true);

  nlohmann::json rows = list_json({"--location", "all"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["location"], "root");
  EXPECT_EQ(rows[1]["location"], "local");
  auto r = run_cli({"list", "--location", "all"});
  EXPECT_THAT(r.out, HasSubstr("LOCATION"));
  EXPECT_EQ(list_json({"--location", "local"}).size(), 1u);
}

TEST_F(CliTest, ListIncludesStoresOfPerBackendOverrides) {
  const fs::path blobs = project_.dir() / "blobs";
  project_.write_toml("[nuthatch.root.blob]\nfilesystem = \"" + blobs.string() + "\"\n");
  commit_value("f/x=1", 1);
  nh::Manifest big = commit_blob("f/x=2", kLargeBlob);
  ASSERT_TRUE(fs::exists(blobs / big.payload));  // written to the override

  nlohmann::json rows = list_json();
  EXPECT_EQ(keys_of(rows), (std::vector<std::string>{"f/x=1", "f/x=2"}));
  EXPECT_EQ(list_json({"--backend", "blob"}).size(), 1u);
  ASSERT_EQ(run_cli({"delete", "f/x=2", "--force"}).status, 0);
  EXPECT_TRUE(fs::exists(blobs / big.payload));  // retired: readers may still hold it
  EXPECT_TRUE(fs::exists(blobs / nh::retirement_marker_path(big.payload)));
  ASSERT_EQ(run_cli({"gc", "--grace", "0s", "--force"}).status, 0);
  EXPECT_FALSE(fs::exists(blobs / big.payload));  // gc visits the override's store too
  EXPECT_TRUE(exists("f/x=1"));
}

// --- delete --------------------------------------------------------------------------------

TEST_F(CliTest, DeleteRefusesWithoutATerminalUnlessForced) {
  commit_value("f/x=1", 1);
  auto r = run_cli({"delete", "f"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("--force"));
  EXPECT_TRUE(exists("f/x=1"));
}

TEST_F(CliTest, DeleteForceRemovesManifestAndRetiresPayload) {
  nh::Manifest big = commit_blob("f/x=1", kLargeBlob);
  commit_value("f/x=2", 2);
  commit_value("g/x=1", 3);
  ASSERT_TRUE(fs::exists(project_.root() / big.payload));

  auto r = run_cli({"delete", "f", "--force"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("f/x=1"));
  EXPECT_THAT(r.out, HasSubstr("f/x=2"));
  EXPECT_FALSE(exists("f/x=1", "blob"));
  EXPECT_FALSE(exists("f/x=2"));
  EXPECT_TRUE(exists("g/x=1"));
  // The payload is retired, not removed under its readers; gc reclaims it after the grace.
  EXPECT_TRUE(fs::exists(project_.root() / big.payload));
  EXPECT_TRUE(fs::exists(project_.root() / nh::retirement_marker_path(big.payload)));
  ASSERT_EQ(run_cli({"gc"}).status, 0);
  EXPECT_TRUE(fs::exists(project_.root() / big.payload));
  ASSERT_EQ(run_cli({"gc", "--grace", "0s", "--force"}).status, 0);
  EXPECT_FALSE(fs::exists(project_.root() / big.payload));
  EXPECT_FALSE(fs::exists(project_.root() / nh::retirement_marker_path(big.payload)));
}

TEST_F(CliTest, DeleteMetadataOnlyKeepsThePayload) {
  nh::Manifest big = commit_blob("f/x=1", kLargeBlob);
  auto r = run_cli({"delete", "f/x=1", "--force", "--metadata-only", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json rows = nlohmann::json::parse(r.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["deleted"], true);
  EXPECT_FALSE(exists("f/x=1", "blob"));
  EXPECT_TRUE(fs::exists(project_.root() / big.payload));
}

TEST_F(CliTest, DeleteTakesTheOriginalsShortFlags) {
  nh::Manifest big = commit_blob("f/x=1", kLargeBlob);
  commit_value("f/x=2", 2);
  // The original Nuthatch's `delete KEY -f -m --parallel` (a bare --parallel).
  auto r = run_cli({"delete", "f", "-f", "-m", "--parallel"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(exists("f/x=1", "blob"));
  EXPECT_FALSE(exists("f/x=2"));
  EXPECT_TRUE(fs::exists(project_.root() / big.payload));  // -m kept the payload
  EXPECT_EQ(run_cli({"delete", "f", "--parallel", "0", "-f"}).status, 2);
}

TEST_F(CliTest, DeleteWithNoMatchDeletesNothing) {
  commit_value("f/x=1", 1);
  auto r = run_cli({"delete", "zzz", "--force", "--parallel", "3"});
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("nothing deleted"));
  EXPECT_TRUE(exists("f/x=1"));
}

TEST_F(CliTest, DeleteRefusesReadOnlyMirrors) {
  const fs::path mirror = project_.dir() / "mirror";
  project_.write_toml("[nuthatch.filesystem_options]\nsecret = \"x\"\n[nuthatch.mirror-pub]\n"
                      "filesystem = \"" + mirror.string() + "\"\n");
  nh::EntryStore writer(nh::StorageRegistry::open(mirror.string()), "mirror-pub");
  nh::Manifest m;
  m.name = "f";
  m.key = "f/x=1";
  m.backend = "basic";
  writer.commit(m, nh::Boxed::make<nh::Value>(nh::Value(1)), &nh::CodecRegistry::get("basic"),
                nh::Value::object(), std::nullopt, true);

  EXPECT_EQ(list_json({"--location", "mirror-pub"}).size(), 1u);
  auto r = run_cli({"delete", "f", "--location", "mirror-pub", "--force"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("read-only"));
  EXPECT_TRUE(writer.find("_", "f/x=1", "basic"));
}

// --- import --------------------------------------------------------------------------------

TEST_F(CliTest, ImportRegistersAFileAsAnEntry) {
  const std::string small = "hello, nuthatch";
  const std::string large(kLargeBlob, 'z');
  write_file(project_.dir() / "incoming" / "small.bin", small);
  write_file(project_.dir() / "incoming" / "large.bin", large);

  auto r = run_cli({"import", "raw/part=a", "--backend", "blob", "--from", "incoming/small.bin",
                    "--namespace", "ext", "--version", "2"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto r2 = run_cli({"import", "raw/part=b", "--backend", "blob", "--from",
                     (project_.dir() / "incoming" / "large.bin").string(), "--name", "loader"});
  ASSERT_EQ(r2.status, 0) << r2.err;

  auto store = nh::Locations::current()->root().store_for("blob");
  auto a = store->find("ext", "raw/part=a", "blob");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->manifest.name, "raw");
  EXPECT_EQ(a->manifest.version, "2");
  EXPECT_EQ(a->manifest.args["part"].as<std::string>(), "a");
  auto value = store->read(*a, nh::CodecRegistry::get("blob"), nh::Value::object());
  ASSERT_TRUE(value);
  EXPECT_EQ(value->as<nh::Bytes>().str(), small);

  auto b = store->find("_", "raw/part=b", "blob");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->manifest.name, "loader");
  EXPECT_EQ(read_file(project_.root() / b->manifest.payload), large);  // copied into data/
  EXPECT_TRUE(fs::exists(project_.dir() / "incoming" / "large.bin"));  // source untouched

  EXPECT_EQ(keys_of(list_json({"raw"})), (std::vector<std::string>{"raw/part=b", "raw/part=a"}));
}

TEST_F(CliTest, ImportRefusesToReplaceUnlessForced) {
  write_file(project_.dir() / "one.bin", "one");
  write_file(project_.dir() / "two.bin", "two");
  ASSERT_EQ(run_cli({"import", "k", "--backend", "blob", "--from", "one.bin"}).status, 0);
  auto again = run_cli({"import", "k", "--backend", "blob", "--from", "two.bin"});
  EXPECT_EQ(again.status, 1);
  EXPECT_THAT(again.err, HasSubstr("--force"));
  ASSERT_EQ(run_cli({"import", "k", "--backend", "blob", "--from", "two.bin", "--force"}).status,
            0);
  auto store = nh::Locations::current()->root().store_for("blob");
  auto rec = store->find("_", "k", "blob");
  ASSERT_TRUE(rec);
  EXPECT_EQ(store->read(*rec, nh::CodecRegistry::get("blob"), nh::Value::object())
                ->as<nh::Bytes>()
                .str(),
            "two");
}

TEST_F(CliTest, ImportRejectsBadKeysAndMissingSources) {
  write_file(project_.dir() / "one.bin", "one");
  for (const char* key : {"1abc", "f/x=a b", "f//x=1", "f/x=%zz", "f/../x"}) {
    auto r = run_cli({"import", key, "--backend", "blob", "--from", "one.bin"});
    EXPECT_EQ(r.status, 2) << key << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("invalid"));
  }
  auto missing = run_cli({"import", "f", "--backend", "blob", "--from", "nope.bin"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_THAT(missing.err, HasSubstr("nope.bin"));
  auto backend = run_cli({"import", "f", "--backend", "no-such-codec", "--from", "one.bin"});
  EXPECT_EQ(backend.status, 1);
  EXPECT_THAT(backend.err, HasSubstr("no-such-codec"));
  EXPECT_EQ(list_json().size(), 0u);
}

TEST_F(CliTest, ImportBackendNullRecordsANullResult) {
  auto r = run_cli({"import", "lookup/id=7", "--backend", "null", "--namespace", "ext"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("as null"));
  auto entry = nh::Locations::current()->root().find("ext", "lookup/id=7", "");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->record.manifest.backend, "null");
  EXPECT_EQ(entry->record.manifest.name, "lookup");
  EXPECT_EQ(entry->record.manifest.args["id"].as<std::string>(), "7");

  auto again = run_cli({"import", "lookup/id=7", "--backend", "null", "--namespace", "ext"});
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("already null"));

  // A null result needs no data; a value entry is not hidden by one.
  auto with_source = run_cli({"import", "k", "--backend", "null", "--from", "x.bin"});
  EXPECT_EQ(with_source.status, 2);
  EXPECT_THAT(with_source.err, HasSubstr("takes no --from"));
  commit_value("valued/a=1", nh::Value(3));
  auto valued = run_cli({"import", "valued/a=1", "--backend", "null"});
  EXPECT_EQ(valued.status, 1);
  EXPECT_THAT(valued.err, HasSubstr("has a basic entry"));
  EXPECT_FALSE(exists("valued/a=1", "null"));
}

TEST_F(CliTest, ANullImportedResultIsRecalledWithoutComputing) {
  ASSERT_EQ(run_cli({"import", "maybe/n=4", "--backend", "null"}).status, 0);
  int computed = 0;
  auto maybe = nh::cache("maybe", {"n"}, {.cache_args = {"n"}},
                         [&](int n) -> std::optional<int> {
                           ++computed;
                           return n;
                         });
  EXPECT_EQ(maybe(4), std::nullopt);
  EXPECT_EQ(computed, 0);
  EXPECT_EQ(maybe(5), 5);
  EXPECT_EQ(computed, 1);
}

// --- print-config --------------------------------------------------------------------------

TEST_F(CliTest, PrintConfigMasksSecretsUnlessAsked) {
  auto r = run_cli({"print-config"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("[root]"));
  EXPECT_THAT(r.out, HasSubstr("filesystem = \"" + project_.root().string() + "\""));
  EXPECT_THAT(r.out, HasSubstr("****"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(kSecret)));

  auto json = run_cli({"print-config", "--json"});
  ASSERT_EQ(json.status, 0);
  EXPECT_THAT(json.out, Not(HasSubstr(kSecret)));
  EXPECT_FALSE(nlohmann::json::parse(json.out).empty());

  auto shown = run_cli({"print-config", "--show-secrets"});
  EXPECT_EQ(shown.status, 0);
  EXPECT_THAT(shown.out, HasSubstr(kSecret));
  auto short_flag = run_cli({"print-config", "-s"});  // the original's flag
  EXPECT_EQ(short_flag.status, 0);
  EXPECT_THAT(short_flag.out, HasSubstr(kSecret));

  auto local = run_cli({"print-config", "--location", "local"});
  EXPECT_THAT(local.out, HasSubstr("[local]"));
  EXPECT_THAT(local.out, Not(HasSubstr("[root]")));
  auto unknown = run_cli({"print-config", "--location", "nowhere"});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_THAT(unknown.err, HasSubstr("nowhere"));
}

// --- du ------------------------------------------------------------------------------------

TEST_F(CliTest, DuTotalsManifestBytesPerNamespace) {
  const std::uint64_t a = commit_blob("f/x=1", kLargeBlob).bytes;
  const std::uint64_t b = commit_blob("f/x=2", 100).bytes;
  const std::uint64_t c = commit_blob("g/x=1", 200, "exp").bytes;

  auto r = run_cli({"du", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json du = nlohmann::json::parse(r.out);
  EXPECT_EQ(du["total"]["bytes"], a + b + c);
  EXPECT_EQ(du["total"]["entries"], 3);
  ASSERT_EQ(du["namespaces"].size(), 2u);
  EXPECT_EQ(du["namespaces"][0]["namespace"], "_");
  EXPECT_EQ(du["namespaces"][0]["bytes"], a + b);
  EXPECT_EQ(du["namespaces"][1]["bytes"], c);

  auto human = run_cli({"du", "--namespace", "exp"});
  EXPECT_THAT(human.out, HasSubstr("TOTAL"));
  EXPECT_THAT(human.out, HasSubstr(std::to_string(c)));
  EXPECT_THAT(human.out, Not(HasSubstr(std::to_string(a + b + c))));
}

// --- gc ------------------------------------------------------------------------------------

TEST_F(CliTest, GcRemovesOldOrphansAndKeepsReferencedPayloads) {
  nh::Manifest kept = commit_blob("f/x=1", kLargeBlob);
  const fs::path referenced = project_.root() / kept.payload;
  make_old(referenced);
  const fs::path data = project_.root() / "data" / "_";
  const fs::path old_orphan = data / "f" / "x=1" / ("blob-" + nh::new_entry_id() + ".bin");
  const fs::path young_orphan = data / "f" / "x=1" / ("blob-" + nh::new_entry_id() + ".bin");
  const fs::path old_tree = data / "t" / ("zarr-" + nh::new_entry_id() + ".zarr");
  const fs::path old_temp = data / "f" / "x=1" / ".nh-tmp-crashed";
  write_file(old_orphan, std::string(1000, 'o'));
  write_file(young_orphan, "young");
  write_file(old_tree / "zarr.json", "{}");
  write_file(old_tree / "v" / "c" / "0", std::string(500, 'c'));
  write_file(old_temp, "partial");
  // A crashed writer's half-written chunk inside the orphaned tree: gc removes it too, and
  // the tree's directories with it.
  const fs::path tree_temp = old_tree / "v" / "c" / ".nh-tmp-half";
  write_file(tree_temp, "half");
  for (const fs::path& p :
       {old_orphan, old_tree / "zarr.json", old_tree / "v" / "c" / "0", old_temp, tree_temp}) {
    make_old(p);
  }

  auto dry = run_cli({"gc", "--dry-run"});
  ASSERT_EQ(dry.status, 0) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("would remove"));
  EXPECT_THAT(dry.out, HasSubstr(old_orphan.filename().string()));
  EXPECT_TRUE(fs::exists(old_orphan));
  EXPECT_TRUE(fs::exists(old_temp));

  auto r = run_cli({"gc", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json out = nlohmann::json::parse(r.out);
  EXPECT_EQ(out["collected"].size(), 4u) << r.out;
  EXPECT_EQ(out["bytes_reclaimed"], 1000 + 2 + 500 + 7 + 4);
  EXPECT_FALSE(fs::exists(old_orphan));
  EXPECT_FALSE(fs::exists(old_tree));
  EXPECT_FALSE(fs::exists(old_temp));
  EXPECT_TRUE(fs::exists(young_orphan));  // inside the grace period
  EXPECT_TRUE(fs::exists(referenced));
  EXPECT_TRUE(exists("f/x=1", "blob"));

  auto later = run_cli({"gc", "--grace", "0s", "--force"});
  ASSERT_EQ(later.status, 0) << later.err;
  EXPECT_THAT(later.out, HasSubstr("removed"));
  EXPECT_FALSE(fs::exists(young_orphan));
  EXPECT_TRUE(fs::exists(referenced));
}

TEST_F(CliTest, GcReportsMissingPayloadsAndRepairsOnRequest) {
  nh::Manifest m = commit_blob("f/x=1", kLargeBlob);
  fs::remove(project_.root() / m.payload);

  auto report = run_cli({"gc"});
  ASSERT_EQ(report.status, 0) << report.err;
  EXPECT_THAT(report.out, HasSubstr("missing"));
  EXPECT_THAT(report.out, HasSubstr("--repair"));
  EXPECT_TRUE(exists("f/x=1", "blob"));

  auto repaired = run_cli({"gc", "--repair"});
  ASSERT_EQ(repaired.status, 0) << repaired.err;
  EXPECT_FALSE(exists("f/x=1", "blob"));
}

// --- scale (disabled by default: run with --gtest_also_run_disabled_tests) -----------------

TEST_F(CliTest, DISABLED_ListsOneHundredThousandEntriesQuickly) {
  constexpr int kEntries = 100'000;
  constexpr int kThreads = 8;
  project_.write_toml("[nuthatch.filesystem_options]\nfsync = false\n");
  auto store = nh::Locations::current()->root().store_for("basic");
  const nh::Codec& codec = nh::CodecRegistry::get("basic");
  std::vector<std::jthread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < kEntries; i += kThreads) {
        nh::Manifest m;
        m.name = "f";
        m.key = fmt::format("f/i={}", i);
        m.backend = "basic";
        store->commit(m, nh::Boxed::make<nh::Value>(nh::Value(i)), &codec, nh::Value::object(),
                      std::nullopt, true);
      }
    });
  }
  writers.clear();
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"list"}, {"list", "--json"}}) {
    auto start = std::chrono::steady_clock::now();
    auto r = run_cli(args);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_EQ(r.status, 0) << r.err;
    fmt::print("nuthatch {} over {} entries: {:.2f} s\n", fmt::join(args, " "), kEntries, seconds);
    EXPECT_LT(seconds, 10.0);
  }
  EXPECT_EQ(list_json().size(), static_cast<std::size_t>(kEntries));
}

}  // namespace
