// The nh_zarr_copy tool that the Python interop tests drive: its command-line contract.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/json.hpp"
#include "codecs/zarr/zarr_test_support.hpp"
#include "nuthatch/nuthatch.hpp"

namespace nh = nuthatch;
using nh::zarr::testing::without_encoding;

namespace {

int run(const std::string& args) {
  const std::string cmd = std::string(NUTHATCH_TEST_TOOLS_DIR) + "/nh_zarr_copy " + args +
                          " 2>/dev/null";
  return WEXITSTATUS(std::system(cmd.c_str()));
}

TEST(ZarrCopyTool, CopiesAcrossFormatsAndCompressors) {
  char tmpl[] = "/tmp/nh-zarr-copy-XXXXXX";
  const std::filesystem::path dir = mkdtemp(tmpl);
  nh::Dataset ds;
  ds.variables["v"] = {{"x"}, nh::NDArray::from_vector(std::vector<double>{1, 2, 3}, {3})};
  ds.variables["x"] = {{"x"}, nh::NDArray::strings({"a", "b", "c"}, {3})};
  ds.coords = {"x"};
  nh::zarr::write(ds, (dir / "src").string());
  ASSERT_EQ(run((dir / "src").string() + " " + (dir / "v2").string() +
                " --zarr-format 2 --compressor gzip --no-consolidated"), 0);
  EXPECT_EQ(without_encoding(nh::zarr::read((dir / "v2").string())), ds);
  EXPECT_TRUE(std::filesystem::exists(dir / "v2" / ".zgroup"));
  EXPECT_FALSE(std::filesystem::exists(dir / "v2" / ".zmetadata"));
  ASSERT_EQ(run((dir / "v2").string() + " " + (dir / "v3").string() + " --compressor blosc"), 0);
  EXPECT_EQ(without_encoding(nh::zarr::read((dir / "v3").string())), ds);
  EXPECT_EQ(run((dir / "missing").string() + " " + (dir / "out").string()), 1);
  EXPECT_EQ(run((dir / "src").string() + " " + (dir / "out").string() + " --zarr-format 4"), 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
