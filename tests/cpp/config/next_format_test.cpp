// The configuration format of the original Nuthatch's next release, read beside the 0.4
// format: [root], [local] and [mirrors.<name>] tables, NUTHATCH_PROJECT_CONFIG,
// NUTHATCH_GLOBAL_CONFIG, NUTHATCH_MIRRORS_<NAME>_<PARAM> and
// NUTHATCH_<LOCATION>_FILESYSTEM_OPTIONS_<KEY>.

#include <gmock/gmock.h>

#include "config/params.hpp"
#include "config_fixture.hpp"

namespace nuthatch::config::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kNextFormat = R"(
cache_mode = "read_only"
skipped_filesystems = ["gs://retired"]

[root]
filesystem = "gs://team/caches"
[root.filesystem_options]
token = "creds.json"
[root.zarr]
filesystem = "gs://team/zarr"

[local]
filesystem = "/scratch/nuthatch"

[mirrors.public-data]
filesystem = "gs://public/caches"
[mirrors.public-data.filesystem_options]
anon = true

[mirrors.archive]
filesystem = "/archive/caches"
[mirrors.archive.zarr]
filesystem = "/archive/zarr"
)";

TEST_F(ConfigTest, NextReleaseTablesAreRead) {
  write_file(work_ / "nuthatch.toml", std::string(kNextFormat));
  reset_config();
  EXPECT_EQ(location("root").url, "gs://team/caches");
  EXPECT_EQ(location("root").options, Value::object({{"token", "creds.json"}}));
  EXPECT_EQ(location("root", "zarr").url, "gs://team/zarr");
  EXPECT_EQ(location("local").url, "/scratch/nuthatch");
  EXPECT_EQ(get_parameter("cache_mode"), Value("read_only"));
  EXPECT_EQ(get_parameter("skipped_filesystems"), Value::array({"gs://retired"}));

  EXPECT_THAT(location_names(),
              ElementsAre("local", "root", "mirror-archive", "mirror-public-data"));
  const LocationSpec mirror = location("mirror-public-data");
  EXPECT_EQ(mirror.url, "gs://public/caches");
  EXPECT_EQ(mirror.options, Value::object({{"anon", true}}));
  EXPECT_TRUE(mirror.read_only);
  EXPECT_EQ(location("mirror-archive", "zarr").url, "/archive/zarr");
  EXPECT_THAT(overridden_backends("mirror-archive"), ElementsAre("zarr"));
}

TEST_F(ConfigTest, NextReleaseTablesInsideANuthatchWrapper) {
  write_file(work_ / "nuthatch.toml",
             "[nuthatch.root]\nfilesystem = \"/wrapped\"\n"
             "[nuthatch.mirrors.old]\nfilesystem = \"/old\"\n");
  reset_config();
  EXPECT_EQ(location("root").url, "/wrapped");
  EXPECT_EQ(location("mirror-old").url, "/old");
}

TEST_F(ConfigTest, AZeroFourLocationNamedMirrorsIsStillOne) {
  write_file(work_ / "nuthatch.toml", "[mirrors]\nfilesystem = \"/plain-mirror\"\n");
  reset_config();
  EXPECT_EQ(location("mirrors").url, "/plain-mirror");
  EXPECT_TRUE(location("mirrors").read_only);
}

TEST_F(ConfigTest, MirrorNamesInTheMirrorsTableAreChecked) {
  write_file(work_ / "nuthatch.toml", "[mirrors.\"../up\"]\nfilesystem = \"/x\"\n");
  reset_config();
  const std::string message = config_error_of([] { location_names(); });
  EXPECT_THAT(message, HasSubstr("mirror name '../up'"));
  EXPECT_THAT(message, HasSubstr("nuthatch.toml"));
}

TEST_F(ConfigTest, ProjectConfigVariableNamesTheFileAndSkipsTheSearch) {
  write_file(work_ / "nuthatch.toml", "[root]\nfilesystem = \"/searched\"\n");
  write_file(base_ / "elsewhere" / "team.toml",
             "[root]\nfilesystem = \"relative/caches\"\n");
  set_env("NUTHATCH_PROJECT_CONFIG", (base_ / "elsewhere" / "team.toml").string());
  reset_config();
  EXPECT_EQ(project_dir(), base_ / "elsewhere");
  EXPECT_EQ(location("root").url, (base_ / "elsewhere" / "relative" / "caches").string());

  set_env("NUTHATCH_PROJECT_CONFIG", (base_ / "missing.toml").string());
  reset_config();
  const std::string message = config_error_of([] { location("root"); });
  EXPECT_THAT(message, HasSubstr("NUTHATCH_PROJECT_CONFIG"));
  EXPECT_THAT(message, HasSubstr("missing.toml"));
}

TEST_F(ConfigTest, GlobalConfigVariableReplacesTheHomeFile) {
  write_file(home_ / ".nuthatch.toml", "skipped_filesystems = [\"gs://home\"]\n");
  reset_config();
  EXPECT_EQ(get_parameter("skipped_filesystems"), Value::array({"gs://home"}));
  EXPECT_EQ(global_config_path(), (home_ / ".nuthatch.toml").string());

  write_file(base_ / "global.toml", "skipped_filesystems = [\"gs://global\"]\n");
  set_env("NUTHATCH_GLOBAL_CONFIG", (base_ / "global.toml").string());
  reset_config();
  EXPECT_EQ(get_parameter("skipped_filesystems"), Value::array({"gs://global"}));
  EXPECT_EQ(global_config_path(), (base_ / "global.toml").string());

  set_env("NUTHATCH_GLOBAL_CONFIG", (base_ / "none.toml").string());  // missing: nothing
  reset_config();
  EXPECT_EQ(get_parameter("skipped_filesystems"), std::nullopt);
}

TEST_F(ConfigTest, MirrorsVariablesNameAMirror) {
  set_env("NUTHATCH_MIRRORS_PUBLIC_FILESYSTEM", "gs://public/caches");
  set_env("NUTHATCH_MIRRORS_PUBLIC_ZARR_FILESYSTEM", "gs://public/zarr");
  reset_config();
  EXPECT_THAT(location_names(), ElementsAre("local", "root", "mirror-public"));
  EXPECT_EQ(location("mirror-public").url, "gs://public/caches");
  EXPECT_EQ(location("mirror-public", "zarr").url, "gs://public/zarr");
}

TEST_F(ConfigTest, OptionKeyVariablesGoOverTheFilesOptions) {
  write_file(work_ / "nuthatch.toml",
             "[root]\nfilesystem = \"s3://bucket/caches\"\n"
             "[root.filesystem_options]\nregion = \"eu\"\nanon = false\n"
             "[mirrors.public]\nfilesystem = \"s3://public/caches\"\n");
  set_env("NUTHATCH_ROOT_FILESYSTEM_OPTIONS_ANON", "true");
  set_env("NUTHATCH_ROOT_FILESYSTEM_OPTIONS_ENDPOINT_URL", "http://127.0.0.1:9000");
  set_env("NUTHATCH_MIRRORS_PUBLIC_FILESYSTEM_OPTIONS_ANON", "true");
  set_env("NUTHATCH_ROOT_ZARR_FILESYSTEM_OPTIONS_REGION", "us");
  reset_config();
  EXPECT_EQ(location("root").options,
            Value::object({{"region", "eu"}, {"anon", true}, {"endpoint_url", "http://127.0.0.1:9000"}}));
  EXPECT_EQ(location("mirror-public").options, Value::object({{"anon", true}}));
  // A backend's key goes over the location's options, which it starts from.
  EXPECT_EQ(location("root", "zarr").options,
            Value::object({{"region", "us"}, {"anon", true}, {"endpoint_url", "http://127.0.0.1:9000"}}));
  EXPECT_THAT(location_names(), ElementsAre("local", "root", "mirror-public"));
}

}  // namespace
}  // namespace nuthatch::config::testing
