// Driver traits (nuthatch/storage.hpp): what a URL's driver is, known without opening it,
// and the local directory of a file location.

#include <gtest/gtest.h>

#include "nuthatch/storage.hpp"
#include "support/temp_dir.hpp"

namespace nh = nuthatch;

namespace {

TEST(DriverTraits, KnownFromTheUrlAlone) {
  EXPECT_TRUE(nh::StorageRegistry::traits_of("/tmp/x").local_directories);
  EXPECT_TRUE(nh::StorageRegistry::traits_of("file:///tmp/x").local_directories);
  EXPECT_FALSE(nh::StorageRegistry::traits_of("/tmp/x").in_process);
  EXPECT_TRUE(nh::StorageRegistry::traits_of("memory://x").in_process);
  EXPECT_FALSE(nh::StorageRegistry::traits_of("memory://x").local_directories);
  // Asking needs no credentials: no driver is opened.
  for (const char* remote : {"s3://bucket/x", "gs://bucket/x", "az://container/x"}) {
    const nh::DriverTraits t = nh::StorageRegistry::traits_of(remote);
    EXPECT_FALSE(t.local_directories) << remote;
    EXPECT_FALSE(t.in_process) << remote;
  }
  const nh::DriverTraits unknown = nh::StorageRegistry::traits_of("nosuchscheme://x");
  EXPECT_FALSE(unknown.local_directories);
  EXPECT_FALSE(unknown.in_process);
}

TEST(DriverTraits, AFileLocationNamesItsDirectory) {
  nh::testing::TempDir dir;
  const std::string path = dir.path().string();
  EXPECT_EQ(nh::StorageRegistry::open(path)->local_directory(), path);
  EXPECT_EQ(nh::StorageRegistry::open("file://" + path)->local_directory(), path);
  EXPECT_EQ(nh::StorageRegistry::open("memory://traits")->local_directory(), std::nullopt);
}

}  // namespace
