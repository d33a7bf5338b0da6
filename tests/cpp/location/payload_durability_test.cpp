// A payload that its source writes itself, straight into a local root (as pyarrow, dask
// or delta-rs do), is fsynced before the manifest names it (Location::commit, through
// Storage::make_durable). This binary counts fsyncs (support/fsync_recorder.hpp).

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "location/location.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/config.hpp"
#include "nuthatch/error.hpp"
#include "support/fsync_recorder.hpp"
#include "support/temp_project.hpp"

namespace {

namespace nh = nuthatch;
namespace fs = std::filesystem;

/// The paths fsynced since the last call.
std::set<std::string> synced_since() { return nuthatch::testing::fsync_recorder::take(); }

// Writes its files with the C++ library, as a Python library would: the driver never sees them.
class WrittenOutside final : public nh::PayloadSource {
 public:
  std::optional<std::uint64_t> write_tree(const nh::TreePlace& place) override {
    dir = fs::path(*place.storage.local_directory()) / place.path;
    fs::create_directories(dir / "year=2020");
    std::ofstream(dir / "part.0.parquet") << "rows";
    std::ofstream(dir / "year=2020" / "part.0.parquet") << "more rows";
    return 13;
  }
  nh::Boxed stored() override { return nh::Boxed(); }
  fs::path dir;
};

const nh::Codec* tree_codec() {
  for (const std::string& name : nh::CodecRegistry::names()) {
    const nh::Codec& c = nh::CodecRegistry::get(name);
    if (!c.single_file()) return &c;
  }
  return nullptr;
}

nh::EntryDraft draft(const std::string& backend) {
  nh::EntryDraft d;
  d.name = "frame";
  d.ns = "_";
  d.key = "frame/run=1";
  d.backend = backend;
  d.version = "1";
  return d;
}

TEST(PayloadDurability, FilesASourceWroteItselfAreSyncedBeforeTheCommit) {
  nh::testing::TempProject project;
  const nh::Codec* tree = tree_codec();
  ASSERT_NE(tree, nullptr) << "no tree codec registered";
  const nh::Location& root = nh::Locations::current()->root();
  WrittenOutside source;
  synced_since();
  ASSERT_EQ(root.commit(draft(std::string(tree->name())), tree, &source, nh::Value::object(), {}),
            nh::CommitOutcome::committed);
  const std::set<std::string> got = synced_since();
  const fs::path dir = fs::canonical(source.dir);
  for (const fs::path& p : {dir / "part.0.parquet", dir / "year=2020" / "part.0.parquet",
                            dir / "year=2020", dir, dir.parent_path()}) {
    EXPECT_TRUE(got.contains(p.string())) << p << " was not fsynced";
  }
}

TEST(PayloadDurability, NothingIsSyncedWithFsyncOff) {
  nh::testing::TempProject project;
  nh::set_parameter("filesystem_options", nh::Value::object({{"fsync", false}}));
  const nh::Codec* tree = tree_codec();
  ASSERT_NE(tree, nullptr);
  WrittenOutside source;
  synced_since();
  ASSERT_EQ(nh::Locations::current()->root().commit(draft(std::string(tree->name())), tree,
                                                     &source, nh::Value::object(), {}),
            nh::CommitOutcome::committed);
  EXPECT_TRUE(synced_since().empty());
}

}  // namespace
