// A location declared in the original Nuthatch's layout (`layout = "nuthatch-0.4"`) is
// read as a mirror: its entries are found under the original's keys (legacy_cache_key),
// where the original puts its metastore rows and data, and nothing is ever written there.
// `nuthatch migrate` copies such entries into a location of this engine, under
// migrated_key of their original key, where calls find them from their arguments.
// (tests/python/test_legacy_caches.py does both with caches written by the real original.)

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli/run_cli.hpp"
#include "common/json.hpp"
#include "location/location.hpp"
#include "meta/entry_store.hpp"
#include "meta/legacy_layout.hpp"
#include "nuthatch/nuthatch.hpp"
#include "nuthatch/zarr.hpp"
#include "nuthatch/storage.hpp"
#include "support/temp_dir.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;
namespace fs = std::filesystem;

namespace {

void touch(const fs::path& path, const std::string& text = "row") {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

nh::Dataset grid(float first) {
  nh::Dataset ds;
  ds.variables["x"] = {{"x"}, nh::NDArray::from_vector(std::vector<double>{1, 2, 3}, {3})};
  ds.variables["v"] = {{"x"},
                       nh::NDArray::from_vector(std::vector<float>{first, 5, 6}, {3})};
  ds.coords = {"x"};
  return ds;
}

std::string mirror_toml(const fs::path& legacy) {
  return "[nuthatch.mirror-legacy]\nfilesystem = \"" + legacy.string() +
         "\"\nlayout = \"nuthatch-0.4\"\n";
}

TEST(LegacyLayout, PathsAreTheOriginals) {
  const nh::legacy::Backend& basic = *nh::legacy::by_engine_name("pickle");
  EXPECT_EQ(nh::legacy::metastore_row("_", "plain/b_3", basic),
            "nuthatch_metadata.nut/plain/b_3/basic.parquet");
  EXPECT_EQ(nh::legacy::metastore_row("exp1", "spaced/2", basic),
            "nuthatch_metadata.nut/spaced/2/exp1/basic.parquet");
  EXPECT_EQ(nh::legacy::data_path("exp1", "spaced/2", basic), "exp1/spaced/2.pkl");
  EXPECT_EQ(nh::legacy::null_marker("_", "nothing/1"), "nuthatch_metadata.nut/nothing/1.null");
  // A function without cache arguments: the key ends in '/', as os.path.join treats it.
  EXPECT_EQ(nh::legacy::metastore_row("_", "once/", basic),
            "nuthatch_metadata.nut/once/basic.parquet");
  EXPECT_EQ(nh::legacy::data_path("_", "once/", basic), "once/.pkl");
}

TEST(LegacyLayout, EntriesAreFoundByKeyAndNeverWritten) {
  nh::testing::TempDir dir("legacy");
  touch(dir.path() / "nuthatch_metadata.nut/plain/b_3/basic.parquet");
  touch(dir.path() / "plain/b_3.pkl", "pickled");
  touch(dir.path() / "nuthatch_metadata.nut/nothing/1.null");
  nh::EntryStore store(nh::StorageRegistry::open(dir.string(), nh::Value::object()),
                       "mirror-legacy", false, nh::Value::object(),
                       nh::EntryLayout::nuthatch_0_4);
  EXPECT_TRUE(store.read_only());

  auto found = store.find("_", "plain/b_3", "pickle");
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->manifest.legacy);
  EXPECT_EQ(found->manifest.payload, "plain/b_3.pkl");
  EXPECT_EQ(found->manifest.name, "plain");
  EXPECT_FALSE(store.find("_", "plain/b_4", "pickle"));
  EXPECT_FALSE(store.find("_", "plain/b_3", "zarr"));
  EXPECT_EQ(store.backends("_", "plain/b_3"), std::vector<std::string>{"pickle"});

  auto null_entry = store.find("_", "nothing/1", std::string(nh::kNullBackend));
  ASSERT_TRUE(null_entry);
  EXPECT_TRUE(null_entry->manifest.is_null());
  EXPECT_EQ(store.backends("_", "nothing/1"), std::vector<std::string>{"null"});
  EXPECT_TRUE(store.list().empty());  // found by key, not listed
}

TEST(LegacyLayout, KeysThatWouldLeaveTheLocationAreAbsent) {
  nh::testing::TempDir dir("legacy");
  touch(dir.path() / "x.pkl", "outside the function folders");
  touch(dir.path() / "nuthatch_metadata.nut/basic.parquet");
  nh::EntryStore store(nh::StorageRegistry::open(dir.string(), nh::Value::object()),
                       "mirror-legacy", false, nh::Value::object(),
                       nh::EntryLayout::nuthatch_0_4);
  for (const std::string key : {"../x", "f/../../x", "f//x", "./x", ""}) {
    EXPECT_FALSE(store.find("_", key, "pickle")) << key;
    EXPECT_TRUE(store.backends("_", key).empty()) << key;
  }
}

TEST(LegacyMirror, ADatasetTheOriginalStoredIsRecalledNotComputed) {
  nh::testing::TempProject project;
  nh::testing::TempDir legacy("legacy");
  // What the original leaves for grid(n=3): its metastore row, then the zarr store.
  touch(legacy.path() / "nuthatch_metadata.nut/grid/3/zarr.parquet");
  nh::zarr::write(grid(42), (legacy.path() / "grid/3.zarr").string());
  project.write_toml(mirror_toml(legacy.path()));

  int computed = 0;
  auto f = nh::cache("grid", {"n"}, {.cache_args = {"n"}}, [&](int n) {
    ++computed;
    return grid(static_cast<float>(n));
  });
  nh::Dataset got = f(3);
  EXPECT_EQ(computed, 0);
  EXPECT_EQ(got.variables.at("v").data.values<float>()[0], 42.0f);

  // A call the original never made is computed and stored in this project's root.
  EXPECT_EQ(f(4).variables.at("v").data.values<float>()[0], 4.0f);
  EXPECT_EQ(computed, 1);
  EXPECT_TRUE(fs::exists(project.root() / "meta"));
  EXPECT_FALSE(fs::exists(legacy.path() / "meta"));
  EXPECT_FALSE(fs::exists(legacy.path() / "data"));
}

TEST(LegacyMirror, OnlyAMirrorCanDeclareTheLayout) {
  nh::testing::TempProject project("layout = \"nuthatch-0.4\"\n");
  auto f = nh::cache("f", {"n"}, {.cache_args = {"n"}}, [](int n) { return n; });
  try {
    f(1);
    FAIL() << "a root in the original's layout was accepted";
  } catch (const nh::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("only a mirror"), std::string::npos) << e.what();
  }
  project.write_toml("[nuthatch.mirror-x]\nfilesystem = \"x\"\nlayout = \"nuthatch-9\"\n");
  EXPECT_THROW(f(1), nh::ConfigError);
}

TEST(MigratedKey, KeepsTheOriginalKeyAsOneValue) {
  EXPECT_EQ(nh::migrated_key("plain/b_3"), "plain/nuthatch_0_4=b_3");
  EXPECT_EQ(nh::migrated_key("plain/x y_3.0"), "plain/nuthatch_0_4=x%20y_3.0");
  EXPECT_EQ(nh::migrated_key("once/"), "once/nuthatch_0_4=");
  EXPECT_THROW(nh::migrated_key("../x"), nh::KeyError);
}

// A legacy root with a dataset, a null result, a parquet table (one file, as pandas
// writes it), a delta table (copied as it is: the Python package reads it), a
// terracotta row (not read yet) and a row whose data is gone.
void write_legacy_root(const fs::path& legacy) {
  touch(legacy / "nuthatch_metadata.nut/grid/3/zarr.parquet");
  nh::zarr::write(grid(42), (legacy / "grid/3.zarr").string());
  touch(legacy / "nuthatch_metadata.nut/grid/7/exp1/zarr.parquet");
  nh::zarr::write(grid(7), (legacy / "exp1/grid/7.zarr").string());
  touch(legacy / "nuthatch_metadata.nut/empty/1.null");
  touch(legacy / "nuthatch_metadata.nut/table/6/parquet.parquet");
  touch(legacy / "table/6.parquet", "PAR1");
  touch(legacy / "nuthatch_metadata.nut/deltas/2/delta.parquet");
  touch(legacy / "deltas/2.delta/_delta_log/00000000000000000000.json", "{}");
  touch(legacy / "nuthatch_metadata.nut/rasters/1/terracotta.parquet");
  touch(legacy / "nuthatch_metadata.nut/grid/9/zarr.parquet");  // its data is gone
}

TEST(Migrate, CopiesEntriesThatCallsThenFindAndReportsTheRest) {
  nh::testing::TempProject project;
  nh::testing::TempDir legacy("legacy");
  write_legacy_root(legacy.path());

  auto dry = nh::testing::run_cli({"migrate", "--from", legacy.string(), "--dry-run"});
  ASSERT_EQ(dry.status, 0) << dry.err;
  EXPECT_NE(dry.out.find("Would migrate 5 entries"), std::string::npos) << dry.out;
  EXPECT_FALSE(fs::exists(project.root() / "meta"));

  auto run = nh::testing::run_cli({"migrate", "--from", legacy.string(), "--json"});
  ASSERT_EQ(run.status, 0) << run.err;
  nh::Value report = nh::from_json(run.out);
  EXPECT_EQ(report["migrated"].as<std::int64_t>(), 5);
  EXPECT_EQ(report["not_migrated"].as<std::int64_t>(), 2);
  std::string reasons;
  for (std::size_t i = 0; i < report["entries"].size(); ++i) {
    reasons += report["entries"][i]["detail"].as<std::string>() + "\n";
  }
  EXPECT_NE(reasons.find("'terracotta' entries are not read yet"), std::string::npos) << reasons;
  EXPECT_TRUE(fs::exists(project.root() / "data/_" / nh::migrated_key("deltas/2")))
      << "the delta table was not copied";
  EXPECT_NE(reasons.find("grid/9.zarr) is missing"), std::string::npos) << reasons;
  EXPECT_TRUE(fs::exists(project.root() / nh::legacy::kMigrationMarker));
  // The table's one file is the migrated entry's one partition.
  auto tables = nh::Locations::current()->root().store_for("parquet");
  auto table = tables->find("_", nh::migrated_key("table/6"), "parquet");
  ASSERT_TRUE(table);
  EXPECT_EQ(tables->read(*table, nh::CodecRegistry::get("parquet"), nh::Value::object())
                ->as<nh::Value>(),
            nh::Value::array({nh::Value(nh::Bytes("PAR1"))}));

  // Resumable: a second run finds everything in place.
  auto again = nh::testing::run_cli({"migrate", "--from", legacy.string()});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.out.find("Migrated 0 entries"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("5 already there"), std::string::npos) << again.out;

  // The legacy root can go: calls find the migrated entries from their arguments.
  fs::remove_all(legacy.path());
  project.write_toml("");
  int computed = 0;
  auto f = nh::cache("grid", {"n"}, {.version = "2", .cache_args = {"n"}}, [&](int n) {
    ++computed;
    return grid(static_cast<float>(n));
  });
  EXPECT_EQ(f(3).variables.at("v").data.values<float>()[0], 42.0f);
  EXPECT_EQ(f.with({.ns = "exp1"})(7).variables.at("v").data.values<float>()[0], 7.0f);
  auto empty = nh::cache("empty", {"n"}, {.cache_args = {"n"}}, [&](int n) {
    ++computed;
    return std::optional<int>(n);
  });
  EXPECT_EQ(empty(1), std::nullopt);
  EXPECT_EQ(computed, 0);
  // A call the original never made is computed, and filed under its own key.
  EXPECT_EQ(f(9).variables.at("v").data.values<float>()[0], 9.0f);
  EXPECT_EQ(computed, 1);
}

TEST(Migrate, MetastoreRowsThatCannotBeEntriesAreReportedNotUsed) {
  nh::testing::TempProject project;
  nh::testing::TempDir legacy("legacy");
  touch(legacy.path() / "nuthatch_metadata.nut/basic.parquet");  // no function folder
  touch(legacy.path() / "nuthatch_metadata.nut/grid/3/zarr.parquet");
  nh::zarr::write(grid(3), (legacy.path() / "grid/3.zarr").string());
  auto run = nh::testing::run_cli({"migrate", "--from", legacy.string(), "--json"});
  ASSERT_EQ(run.status, 0) << run.err;
  nh::Value report = nh::from_json(run.out);
  EXPECT_EQ(report["migrated"].as<std::int64_t>(), 1);
  EXPECT_EQ(report["not_migrated"].as<std::int64_t>(), 1);
  EXPECT_NE(run.out.find("outside any function's folder"), std::string::npos) << run.out;
}

TEST(Migrate, RefusesWhatIsNotALegacyRootAndPicklesWithoutTrust) {
  nh::testing::TempProject project;
  nh::testing::TempDir legacy("legacy");
  auto none = nh::testing::run_cli({"migrate", "--from", legacy.string()});
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.err.find("no cache of the original Nuthatch"), std::string::npos) << none.err;

  touch(legacy.path() / "nuthatch_metadata.nut/plain/b_3/basic.parquet");
  touch(legacy.path() / "plain/b_3.pkl", "pickled");
  auto untrusted = nh::testing::run_cli({"migrate", "--from", legacy.string()});
  ASSERT_EQ(untrusted.status, 0) << untrusted.err;
  EXPECT_NE(untrusted.out.find("pass --trust-pickle"), std::string::npos) << untrusted.out;
  EXPECT_FALSE(fs::exists(project.root() / "meta"));
}

}  // namespace
