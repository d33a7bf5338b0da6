// A payload that its source writes itself, straight into a local root (as pyarrow, dask
// or delta-rs do), is fsynced before the manifest names it (Location::commit, through
// Storage::make_durable). This binary counts fsyncs: fsync() below forwards every call to
// the kernel and records the path of the descriptor.

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <string>

#include "location/location.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/config.hpp"
#include "nuthatch/error.hpp"
#include "support/temp_project.hpp"

namespace {

std::mutex synced_mu;
std::set<std::string>& synced() {
  static std::set<std::string> paths;
  return paths;
}

}  // namespace

extern "C" int fsync(int fd) {
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char target[4096];
  const ssize_t n = ::readlink(link, target, sizeof target - 1);
  if (n > 0) {
    std::lock_guard lock(synced_mu);
    synced().insert(std::string(target, static_cast<std::size_t>(n)));
  }
  return static_cast<int>(::syscall(SYS_fsync, fd));
}

namespace {

namespace nh = nuthatch;
namespace fs = std::filesystem;

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

std::set<std::string> take_synced() {
  std::lock_guard lock(synced_mu);
  std::set<std::string> out;
  out.swap(synced());
  return out;
}

TEST(PayloadDurability, FilesASourceWroteItselfAreSyncedBeforeTheCommit) {
  nh::testing::TempProject project;
  const nh::Codec* tree = tree_codec();
  ASSERT_NE(tree, nullptr) << "no tree codec registered";
  const nh::Location& root = nh::Locations::current()->root();
  WrittenOutside source;
  take_synced();
  ASSERT_EQ(root.commit(draft(std::string(tree->name())), tree, &source, nh::Value::object(), {}),
            nh::CommitOutcome::committed);
  const std::set<std::string> got = take_synced();
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
  take_synced();
  ASSERT_EQ(nh::Locations::current()->root().commit(draft(std::string(tree->name())), tree,
                                                     &source, nh::Value::object(), {}),
            nh::CommitOutcome::committed);
  EXPECT_TRUE(take_synced().empty());
}

}  // namespace
