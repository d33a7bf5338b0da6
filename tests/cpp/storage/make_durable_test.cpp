// FileStorage::make_durable: a payload a library wrote straight into the location's
// directory (no write(), so no fsync) is fsynced, file by file and folder by folder, up to
// the root, before a manifest names it. This binary counts the fsyncs it makes
// (support/fsync_recorder.hpp).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"
#include "storage/temp_dir.hpp"
#include "support/fsync_recorder.hpp"

namespace nuthatch {
namespace {

namespace fs = std::filesystem;

/// The paths fsynced since the last call.
std::set<std::string> synced_since() { return nuthatch::testing::fsync_recorder::take(); }

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

TEST(MakeDurable, FsyncsEveryFileAndFolderOfAPayloadAndTheFoldersAboveIt) {
  testing::TempDir dir;
  const fs::path root = fs::canonical(dir.path());
  auto storage = StorageRegistry::open(root.string());
  const std::string payload = "data/_/f/run=1/parquet-01.parquet";
  write_file(root / payload / "part.0.parquet", "a");
  write_file(root / payload / "year=2020" / "part.0.parquet", "b");
  fs::create_symlink("/etc", root / payload / "elsewhere");  // never followed
  synced_since();
  storage->make_durable(payload);
  const std::set<std::string> got = synced_since();
  for (const fs::path& p :
       {root / payload / "part.0.parquet", root / payload / "year=2020" / "part.0.parquet",
        root / payload / "year=2020", root / payload, root / "data/_/f/run=1",
        root / "data/_/f", root / "data/_", root / "data", root}) {
    EXPECT_TRUE(got.contains(p.string())) << p;
  }
  for (const std::string& p : got) {
    EXPECT_TRUE(p.starts_with(root.string())) << p << " is outside the location";
  }
  // One file is a payload too.
  write_file(root / "data/_/g/blob-02.bin", "c");
  synced_since();
  storage->make_durable("data/_/g/blob-02.bin");
  EXPECT_TRUE(synced_since().contains((root / "data/_/g/blob-02.bin").string()));
}

TEST(MakeDurable, RefusesAFifoAndDoesNothingForAMissingPathOrWithoutFsync) {
  testing::TempDir dir;
  const fs::path root = fs::canonical(dir.path());
  auto storage = StorageRegistry::open(root.string());
  write_file(root / "data/x", "x");
  // Nothing there (a source that kept its data elsewhere): nothing to do.
  synced_since();
  storage->make_durable("data/missing");
  EXPECT_TRUE(synced_since().empty());
  ASSERT_EQ(::mkfifo((root / "data/pipe").c_str(), 0600), 0);
  EXPECT_THROW(storage->make_durable("data/pipe"), StorageError);
  auto unsynced = StorageRegistry::open(root.string(), Value::object({{"fsync", false}}));
  synced_since();
  unsynced->make_durable("data/x");
  unsynced->make_durable("data/missing");
  EXPECT_TRUE(synced_since().empty());
}

}  // namespace
}  // namespace nuthatch
