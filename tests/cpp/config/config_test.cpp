// Sources, priorities and lookups of the configuration (DESIGN §6).

#include <gmock/gmock.h>

#include <atomic>
#include <thread>

#include "config/params.hpp"
#include "config_fixture.hpp"

namespace nuthatch::config::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string url_of(const std::string& location, const std::string& backend = "") {
  return config::location(location, backend).url;
}

TEST_F(ConfigTest, DefaultsWithoutAnyConfiguration) {
  EXPECT_EQ(project_dir(), work_);
  const LocationSpec root = config::location("root");
  EXPECT_EQ(root.name, "root");
  EXPECT_EQ(root.url, (work_ / ".nuthatch").string());
  EXPECT_EQ(root.options, Value::object());
  EXPECT_FALSE(root.read_only);
  const LocationSpec local = config::location("local");
  EXPECT_EQ(local.url, (xdg_ / "nuthatch").string());
  EXPECT_FALSE(local.read_only);

  EXPECT_EQ(get_parameter("memoize_max_bytes")->as<std::int64_t>(), 2147483648);
  EXPECT_EQ(get_parameter("cache_mode")->as<std::string>(), "write");
  EXPECT_EQ(get_parameter("log_level")->as<std::string>(), "warn");
  EXPECT_EQ(get_parameter("filesystem_options"), Value::object());
  EXPECT_EQ(get_parameter("no_such_parameter"), std::nullopt);
  EXPECT_EQ(get_parameter("cache_mode", "local"), std::nullopt);
  EXPECT_THAT(location_names(), ElementsAre("local", "root"));
  EXPECT_TRUE(overridden_backends("root").empty());
}

TEST_F(ConfigTest, LocalDefaultsToHomeCacheWithoutXdg) {
  unset_env("XDG_CACHE_HOME");
  reset_config();
  EXPECT_EQ(url_of("local"), (home_ / ".cache" / "nuthatch").string());
}

TEST_F(ConfigTest, FindsPyprojectWalkingUpFromNestedDirectory) {
  write_file(work_ / "pyproject.toml",
             "[project]\nname = \"demo\"\n\n"
             "[tool.nuthatch]\nfilesystem = \"s3://bucket/caches\"\n");
  enter(work_ / "a" / "b");
  EXPECT_EQ(project_dir(), work_);
  EXPECT_EQ(url_of("root"), "s3://bucket/caches");
}

TEST_F(ConfigTest, PyprojectWithoutNuthatchTableStillMarksTheProjectDirectory) {
  write_file(work_ / "pyproject.toml", "[project]\nname = \"demo\"\n");
  enter(work_ / "src" / "pkg");
  EXPECT_EQ(project_dir(), work_);
  EXPECT_EQ(url_of("root"), (work_ / ".nuthatch").string());
}

TEST_F(ConfigTest, NuthatchTomlWinsOverPyprojectInTheSameDirectory) {
  write_file(work_ / "nuthatch.toml", "[nuthatch]\nfilesystem = \"/from/nuthatch-toml\"\n");
  write_file(work_ / "pyproject.toml",
             "[tool.nuthatch]\nfilesystem = \"/from/pyproject\"\ncache_mode = \"local\"\n");
  reset_config();
  EXPECT_EQ(url_of("root"), "/from/nuthatch-toml");
  EXPECT_EQ(get_parameter("cache_mode")->as<std::string>(), "write");  // pyproject unread
}

TEST_F(ConfigTest, NuthatchTomlAtTopLevel) {
  write_file(work_ / "nuthatch.toml",
             "filesystem = \"/top\"\ncache_mode = \"overwrite\"\n[local]\nfilesystem = \"/l\"\n");
  reset_config();
  EXPECT_EQ(url_of("root"), "/top");
  EXPECT_EQ(url_of("local"), "/l");
  EXPECT_EQ(get_parameter("cache_mode")->as<std::string>(), "overwrite");
}

TEST_F(ConfigTest, RootTableAndTopLevelKeysAreTheSameLocation) {
  write_file(work_ / "nuthatch.toml",
             "cache_mode = \"local\"\nfilesystem = \"/top\"\n"
             "[root]\nfilesystem = \"/root-table\"\n");
  reset_config();
  EXPECT_EQ(url_of("root"), "/root-table");  // the explicit [root] table wins
  EXPECT_EQ(get_parameter("cache_mode", "root")->as<std::string>(), "local");
}

TEST_F(ConfigTest, NearestProjectFileWins) {
  write_file(work_ / "nuthatch.toml", "filesystem = \"/outer\"\n");
  write_file(work_ / "inner" / "pyproject.toml", "[tool.nuthatch]\nfilesystem = \"/inner\"\n");
  enter(work_ / "inner" / "deeper");
  EXPECT_EQ(project_dir(), work_ / "inner");
  EXPECT_EQ(url_of("root"), "/inner");
}

TEST_F(ConfigTest, HomeFileAcceptsThreeLayouts) {
  const fs::path home_file = home_ / ".nuthatch.toml";
  write_file(home_file, "[nuthatch]\nfilesystem = \"/home-nuthatch\"\n");
  reset_config();
  EXPECT_EQ(url_of("root"), "/home-nuthatch");

  write_file(home_file, "[tool.nuthatch]\nfilesystem = \"/home-tool\"\n");
  reset_config();
  EXPECT_EQ(url_of("root"), "/home-tool");

  write_file(home_file, "filesystem = \"/home-top\"\n[local]\nfilesystem = \"/home-local\"\n");
  reset_config();
  EXPECT_EQ(url_of("root"), "/home-top");
  EXPECT_EQ(url_of("local"), "/home-local");
}

TEST_F(ConfigTest, ProjectFileBeatsHomeFile) {
  write_file(home_ / ".nuthatch.toml", "filesystem = \"/home-root\"\ncache_mode = \"local\"\n");
  write_file(work_ / "pyproject.toml", "[tool.nuthatch]\nfilesystem = \"/project-root\"\n");
  reset_config();
  EXPECT_EQ(url_of("root"), "/project-root");
  EXPECT_EQ(get_parameter("cache_mode")->as<std::string>(), "local");
}

TEST_F(ConfigTest, FilesAreReadOnceUntilReset) {
  write_file(work_ / "nuthatch.toml", "filesystem = \"/first\"\n");
  reset_config();
  EXPECT_EQ(url_of("root"), "/first");
  write_file(work_ / "nuthatch.toml", "filesystem = \"/second\"\n");
  EXPECT_EQ(url_of("root"), "/first");
  reset_config();
  EXPECT_EQ(url_of("root"), "/second");
}

TEST_F(ConfigTest, EnvironmentOverridesFilesAtEveryLevel) {
  write_file(work_ / "pyproject.toml",
             "[tool.nuthatch]\nfilesystem = \"/file-root\"\n"
             "[tool.nuthatch.local]\nfilesystem = \"/file-local\"\n"
             "[tool.nuthatch.root.zarr]\nfilesystem = \"/file-zarr\"\n");
  set_env("NUTHATCH_FILESYSTEM", "/env-root");
  set_env("NUTHATCH_LOCAL_FILESYSTEM", "/env-local");
  set_env("NUTHATCH_ROOT_ZARR_FILESYSTEM", "/env-zarr");
  set_env("NUTHATCH_MIRROR_PUBLIC_FILESYSTEM", "gs://public/caches");
  reset_config();
  EXPECT_EQ(url_of("root"), "/env-root");
  EXPECT_EQ(url_of("local"), "/env-local");
  EXPECT_EQ(url_of("root", "zarr"), "/env-zarr");
  EXPECT_EQ(url_of("mirror-public"), "gs://public/caches");
  EXPECT_THAT(location_names(), ElementsAre("local", "root", "mirror-public"));
  EXPECT_THAT(overridden_backends("root"), ElementsAre("zarr"));

  set_env("NUTHATCH_ROOT_FILESYSTEM", "/env-root-explicit");  // beats NUTHATCH_FILESYSTEM
  reset_config();
  EXPECT_EQ(url_of("root"), "/env-root-explicit");
}

TEST_F(ConfigTest, EnvironmentValuesAreJsonOnlyWhenNotText) {
  set_env("NUTHATCH_MEMOIZE_MAX_BYTES", "1024");
  set_env("NUTHATCH_FILESYSTEM_OPTIONS", R"({"anon": true, "region": "eu"})");
  set_env("NUTHATCH_RETRIES", "[1, 2]");
  set_env("NUTHATCH_VERBOSE", "true");
  set_env("NUTHATCH_GREETING", "hello");
  set_env("NUTHATCH_QUOTED", "\"quoted\"");
  set_env("NUTHATCH_FILESYSTEM", "1234");  // filesystem takes a string: stays text
  reset_config();
  EXPECT_EQ(get_parameter("memoize_max_bytes"), Value(1024));
  EXPECT_EQ(config::location("root").options, Value::object({{"anon", true}, {"region", "eu"}}));
  EXPECT_EQ(get_parameter("retries"), Value::array({1, 2}));
  EXPECT_EQ(get_parameter("verbose"), Value(true));
  EXPECT_EQ(get_parameter("greeting"), Value("hello"));
  EXPECT_EQ(get_parameter("quoted"), Value("\"quoted\""));
  EXPECT_EQ(get_parameter("filesystem"), Value("1234"));
}

TEST_F(ConfigTest, EnvironmentMirrorNamesUseUnderscoresForDashes) {
  set_env("NUTHATCH_MIRROR_PUBLIC_LAKE_FILESYSTEM", "gs://lake/caches");
  reset_config();
  EXPECT_THAT(location_names(), ElementsAre("local", "root", "mirror-public-lake"));
  EXPECT_EQ(url_of("mirror-public-lake"), "gs://lake/caches");
}

TEST_F(ConfigTest, CodeBeatsEnvironment) {
  set_env("NUTHATCH_FILESYSTEM", "/env");
  set_env("NUTHATCH_LOCAL_CACHE_MODE", "local");
  reset_config();
  EXPECT_EQ(url_of("root"), "/env");
  set_parameter("filesystem", "/code");
  set_parameter("cache_mode", "off", {.location = "local"});
  EXPECT_EQ(url_of("root"), "/code");
  EXPECT_EQ(get_parameter("cache_mode", "local"), Value("off"));
}

TEST_F(ConfigTest, ChangesBumpTheGenerationAndResetForgetsCode) {
  const std::uint64_t start = generation();
  set_parameter("filesystem", "/code");
  const std::uint64_t after_set = generation();
  EXPECT_GT(after_set, start);
  config_parameter("other", [] { return Value(1); });
  EXPECT_GT(generation(), after_set);
  const std::uint64_t before_reset = generation();
  reset_config();
  EXPECT_GT(generation(), before_reset);
  EXPECT_EQ(url_of("root"), (work_ / ".nuthatch").string());
  EXPECT_EQ(get_parameter("other"), std::nullopt);
}

TEST_F(ConfigTest, PerBackendOverrides) {
  write_file(work_ / "pyproject.toml", R"(
[tool.nuthatch]
filesystem = "s3://main/caches"
[tool.nuthatch.filesystem_options]
endpoint_url = "http://127.0.0.1:9000"
[tool.nuthatch.root.zarr]
filesystem = "s3://zarr-bucket/"
[tool.nuthatch.blob]
filesystem = "/blobs"
[tool.nuthatch.blob.filesystem_options]
anon = true
[tool.nuthatch.local.zarr]
filesystem = "/local-zarr"
)");
  reset_config();
  const LocationSpec zarr = config::location("root", "zarr");
  EXPECT_EQ(zarr.url, "s3://zarr-bucket/");
  EXPECT_EQ(zarr.backend, "zarr");
  EXPECT_EQ(zarr.options, Value::object({{"endpoint_url", "http://127.0.0.1:9000"}}));
  const LocationSpec blob = config::location("root", "blob");
  EXPECT_EQ(blob.url, "/blobs");
  EXPECT_EQ(blob.options, Value::object({{"anon", true}}));
  EXPECT_EQ(url_of("root", "basic"), "s3://main/caches");
  EXPECT_EQ(url_of("root"), "s3://main/caches");
  EXPECT_EQ(url_of("local", "zarr"), "/local-zarr");
  EXPECT_THAT(overridden_backends("root"), ElementsAre("blob", "zarr"));
  EXPECT_THAT(overridden_backends("local"), ElementsAre("zarr"));
  EXPECT_EQ(get_parameter("filesystem", "root", "zarr"), Value("s3://zarr-bucket/"));
}

TEST_F(ConfigTest, BackendSpecificValueBeatsAgnosticValueFromAHigherSource) {
  write_file(work_ / "nuthatch.toml", "[root.zarr]\nfilesystem = \"/file-zarr\"\n");
  reset_config();
  set_parameter("filesystem", "/code");
  EXPECT_EQ(url_of("root", "zarr"), "/file-zarr");
  EXPECT_EQ(url_of("root"), "/code");
  set_parameter("filesystem", "/code-zarr", {.backend = "zarr"});
  EXPECT_EQ(url_of("root", "zarr"), "/code-zarr");
}

TEST_F(ConfigTest, MirrorsAreReadOnlyAndListedInNameOrder) {
  write_file(work_ / "pyproject.toml", R"(
[tool.nuthatch.mirror-public]
filesystem = "gs://public-lake/caches"
[tool.nuthatch.mirror-archive]
filesystem = "/archive"
)");
  reset_config();
  set_parameter("filesystem", "/code-mirror", {.location = "mirror-code"});
  EXPECT_THAT(location_names(),
              ElementsAre("local", "root", "mirror-archive", "mirror-code", "mirror-public"));
  const LocationSpec mirror = config::location("mirror-public");
  EXPECT_EQ(mirror.url, "gs://public-lake/caches");
  EXPECT_TRUE(mirror.read_only);
  EXPECT_EQ(mirror.options, Value::object());
  EXPECT_EQ(url_of("mirror-code"), "/code-mirror");
}

TEST_F(ConfigTest, MirrorWithoutFilesystemIsAnError) {
  write_file(work_ / "nuthatch.toml", "[mirror-empty.filesystem_options]\nanon = true\n");
  reset_config();
  EXPECT_THAT(location_names(), ElementsAre("local", "root", "mirror-empty"));
  EXPECT_THAT(config_error_of([] { config::location("mirror-empty"); }), HasSubstr("mirror-empty"));
  EXPECT_THAT(config_error_of([] { config::location("mirror-unknown"); }),
              HasSubstr("mirror-unknown"));
}

TEST_F(ConfigTest, UnknownLocationIsAnError) {
  EXPECT_THAT(config_error_of([] { set_parameter("filesystem", "/x", {.location = "lcoal"}); }),
              HasSubstr("unknown location 'lcoal'"));
  // Sizes as the original's configuration writes them (humanfriendly: KB = 1000 bytes).
  EXPECT_EQ(config::parse_byte_size("2GB"), 2'000'000'000u);
  EXPECT_EQ(config::parse_byte_size(" 100 KB "), 100'000u);
  EXPECT_EQ(config::parse_byte_size("1kb"), 1000u);
  EXPECT_EQ(config::parse_byte_size("512MiB"), 512u << 20);
  EXPECT_EQ(config::parse_byte_size("1.5G"), 1'500'000'000u);
  EXPECT_EQ(config::parse_byte_size("42"), 42u);
  for (const char* bad : {"", "GB", "2 parsecs", "-1KB", "1e3", "2GB!", "."}) {
    EXPECT_FALSE(config::parse_byte_size(bad)) << bad;
  }
  set_parameter("local_cache_size", Value("100KB"));
  set_parameter("remote_cache_size", Value(123456));
  EXPECT_THAT(config_error_of([] { set_parameter("local_cache_size", Value("lots")); }),
              HasSubstr("'lots' is not a size"));
  EXPECT_THAT(config_error_of([] { set_parameter("remote_cache_size", Value(true)); }),
              HasSubstr("remote_cache_size"));
  // get_size_parameter reads either form in bytes; unset is nullopt.
  EXPECT_EQ(get_size_parameter("local_cache_size"), 100'000u);
  EXPECT_EQ(get_size_parameter("remote_cache_size"), 123'456u);
  EXPECT_EQ(get_size_parameter("dask_above"), std::nullopt);
  set_parameter("dask_above", Value("2GiB"));
  EXPECT_EQ(get_size_parameter("dask_above"), 2u << 30);
  EXPECT_THAT(config_error_of([] { set_parameter("dask_above", Value("big")); }),
              HasSubstr("'big' is not a size"));
  // Any name that starts with "mirror" is a mirror, as in the original Nuthatch.
  for (const char* mirror : {"mirror", "mirror2", "mirror-x", "mirror_team"}) {
    EXPECT_TRUE(config::is_mirror_name(mirror)) << mirror;
  }
  for (const char* other : {"mirro", "mirror-", "mirror/x", "mirror x", "xmirror"}) {
    EXPECT_FALSE(config::is_mirror_name(other)) << other;
  }
  EXPECT_THAT(config_error_of([] { config::location("nowhere"); }), HasSubstr("'nowhere'"));
  EXPECT_THAT(config_error_of([] { get_parameter("filesystem", "mirror-"); }),
              HasSubstr("'mirror-'"));
  EXPECT_THAT(config_error_of([] {
                config_parameter("x", [] { return Value(); }, {.location = "r"});
              }),
              HasSubstr("'r'"));
}

TEST_F(ConfigTest, MalformedTomlNamesFileLineAndColumn) {
  const fs::path file = work_ / "pyproject.toml";
  write_file(file, "[tool.nuthatch]\nfilesystem = \"/ok\"\ncache_mode = = 3\n");
  reset_config();
  const std::string message = config_error_of([] { config::location("root"); });
  EXPECT_THAT(message, HasSubstr("malformed TOML in " + file.string() + " at line 3, column "));
  // Still broken on the next access: nothing half-read is kept.
  EXPECT_THAT(config_error_of([] { get_parameter("cache_mode"); }), HasSubstr("line 3"));
}

TEST_F(ConfigTest, MalformedHomeFileNamesIt) {
  write_file(home_ / ".nuthatch.toml", "filesystem = \"/unterminated\n");
  reset_config();
  const std::string message = config_error_of([] { project_dir(); });
  EXPECT_THAT(message, HasSubstr((home_ / ".nuthatch.toml").string()));
  EXPECT_THAT(message, HasSubstr("line 1"));
}

TEST_F(ConfigTest, LocationThatIsNotATableIsAnError) {
  write_file(work_ / "nuthatch.toml", "local = \"/somewhere\"\n");
  reset_config();
  const std::string message = config_error_of([] { config::location("local"); });
  EXPECT_THAT(message, HasSubstr("'local'"));
  EXPECT_THAT(message, HasSubstr("nuthatch.toml"));
}

TEST_F(ConfigTest, WrongTypeNamesParameterAndFile) {
  const fs::path file = work_ / "pyproject.toml";
  write_file(file, "[tool.nuthatch]\nfilesystem = 3\nfilesystem_options = \"anon\"\n");
  reset_config();
  const std::string message = config_error_of([] { config::location("root"); });
  EXPECT_THAT(message, HasSubstr("'filesystem'"));
  EXPECT_THAT(message, HasSubstr(file.string()));
  EXPECT_THAT(message, HasSubstr("must be a string"));
  EXPECT_THAT(config_error_of([] { get_parameter("filesystem_options"); }),
              HasSubstr("must be a table"));
}

TEST_F(ConfigTest, InvalidValuesNameTheirSource) {
  write_file(work_ / "nuthatch.toml", "cache_mode = \"fast\"\n");
  set_env("NUTHATCH_LOG_LEVEL", "loud");
  reset_config();
  const std::string mode = config_error_of([] { get_parameter("cache_mode"); });
  EXPECT_THAT(mode, HasSubstr("unknown cache mode 'fast'"));
  EXPECT_THAT(mode, HasSubstr("nuthatch.toml"));
  EXPECT_THAT(config_error_of([] { get_parameter("log_level"); }),
              HasSubstr("env NUTHATCH_LOG_LEVEL"));
}

TEST_F(ConfigTest, SetParameterRejectsWrongType) {
  EXPECT_THAT(config_error_of([] { set_parameter("filesystem", 3); }),
              HasSubstr("parameter 'filesystem' (location root) from code must be a string"));
  EXPECT_THAT(config_error_of([] { set_parameter("memoize_max_bytes", -1); }),
              HasSubstr("memoize_max_bytes"));
}

TEST_F(ConfigTest, PathsExpandHomeAndAreRelativeToTheProject) {
  write_file(work_ / "pyproject.toml",
             "[tool.nuthatch]\nfilesystem = \"caches/shared\"\n"
             "[tool.nuthatch.local]\nfilesystem = \"~/local-cache\"\n");
  enter(work_ / "notebooks");
  EXPECT_EQ(url_of("root"), (work_ / "caches" / "shared").string());
  EXPECT_EQ(url_of("local"), (home_ / "local-cache").string());
  EXPECT_EQ(get_parameter("filesystem"), Value("caches/shared"));  // the raw value
}

TEST_F(ConfigTest, ConcurrentReadersSeeAConsistentConfiguration) {
  std::atomic<bool> stop = false;
  std::atomic<int> failures = 0;
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!stop) {
        const std::string url = url_of("root");
        if (url.empty()) ++failures;
        if (!get_parameter("cache_mode")) ++failures;
        if (location_names().size() < 2) ++failures;
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    set_parameter("filesystem", "/round-" + std::to_string(i));
    if (i % 50 == 0) reset_config();
  }
  stop = true;
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(url_of("root"), "/round-199");
}

}  // namespace
}  // namespace nuthatch::config::testing
