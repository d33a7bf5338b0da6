// The engine's behaviour (DESIGN §3-§6) with every level on one storage driver: the same
// calls must hit, miss, follow the cache modes, honour mirrors and commit the same way on
// a directory, in memory, on S3 (MinIO, moto), GCS (fake-gcs-server) and Azure (Azurite).
// A new driver adds one RootFactory to the instantiation at the bottom.
//
// Each test gets fresh locations from its driver: the root, a local level and mirrors, all
// on that driver (tests/cpp/support/*_server.hpp start the servers; a test whose server
// is not configured is skipped, one whose server does not start fails).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/log.hpp"
#include "location/location.hpp"
#include "meta/entry_store.hpp"
#include "nuthatch/nuthatch.hpp"
#include "storage/temp_dir.hpp"
#include "support/gcs_azure_servers.hpp"
#include "support/s3_server.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

/// A location on a driver: what the configuration names (filesystem, filesystem_options).
struct Location {
  std::string url;
  nh::Value options = nh::Value::object();

  nh::StoragePtr open() const { return nh::StorageRegistry::open(url, options); }
};

/// A driver made ready for one test: fresh locations on it, and what keeps them alive.
struct DriverRoots {
  std::shared_ptr<void> keep_alive;  ///< the test server, or the temporary directory
  std::string skip_reason;           ///< the driver's server is not configured
  std::string error;                 ///< it is configured but did not start
  /// A fresh, empty location whose name starts with `what`.
  std::function<Location(const std::string& what)> location;
  /// A location of this driver that cannot be reached (nothing answers, the path cannot be
  /// resolved), or nullopt when the driver has no such thing (memory).
  std::function<std::optional<Location>()> unreachable;
};

/// One driver of the suite: its test name and how to ready it.
struct RootFactory {
  std::string name;
  std::function<DriverRoots()> open;
  friend void PrintTo(const RootFactory& f, std::ostream* os) { *os << f.name; }
};

std::string unique(const std::string& what) {
  static std::atomic<int> counter{0};
  return what + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

/// Options that make an unreachable network location fail fast: one attempt, a short
/// connect timeout, at a loopback port nothing listens on.
nh::Value unreachable_options(nh::Value options, const std::string& endpoint_url) {
  options["endpoint_url"] = endpoint_url;
  options["max_attempts"] = 1;
  options["connect_timeout"] = 2;
  options["request_timeout"] = 5;
  return options;
}

std::string dead_origin() {
  return "http://127.0.0.1:" + std::to_string(nh::testing::free_loopback_port());
}

RootFactory directory_roots() {
  return {
      "directory", [] {
        auto dir = std::make_shared<nh::testing::TempDir>();
        return DriverRoots{
            .keep_alive = dir,
            .location = [dir](const std::string& what) { return Location{*dir / unique(what)}; },
            .unreachable = [dir]() -> std::optional<Location> {
              // A symbolic link to itself: every path under it fails with ELOOP.
              const std::string loop = *dir / unique("loop");
              std::filesystem::create_symlink(loop, loop);
              return Location{loop + "/mirror"};
            },
        };
      }};
}

RootFactory memory_roots() {
  return {"memory", [] {
            return DriverRoots{
                .location =
                    [](const std::string& what) {
                      return Location{"memory://" + unique("engine-" + what)};
                    },
                .unreachable = []() -> std::optional<Location> { return std::nullopt; },
            };
          }};
}

/// Roots on a test server: `lookup()` finds (or starts) it; `url_of(server, prefix)` is a
/// URL under it and `dead_endpoint(server)` the endpoint_url of a dead port in its form.
template <class Lookup, class UrlOf, class DeadEndpoint>
RootFactory server_roots(std::string name, Lookup lookup, UrlOf url_of,
                         DeadEndpoint dead_endpoint) {
  return {std::move(name), [=] {
            auto found = lookup();
            if (!found.server) {
              return DriverRoots{.skip_reason = found.skip_reason, .error = found.error};
            }
            auto server = found.server;
            return DriverRoots{
                .keep_alive = server,
                .location =
                    [=](const std::string& what) {
                      return Location{url_of(*server, unique("engine-" + what)), server->options()};
                    },
                .unreachable = [=]() -> std::optional<Location> {
                  return Location{url_of(*server, unique("down")),
                                  unreachable_options(server->options(), dead_endpoint(*server))};
                },
            };
          }};
}

RootFactory s3_roots(nh::testing::S3ServerKind kind) {
  return server_roots(
      std::string("s3_") + nh::testing::kind_name(kind),
      [kind] { return nh::testing::s3_server(kind); },
      [](const nh::testing::S3Server&, const std::string& prefix) {
        return nh::testing::S3Server::url(prefix);
      },
      [](const nh::testing::S3Server&) { return dead_origin(); });
}

RootFactory emulator_roots(const std::string& name, nh::testing::EmulatorKind kind) {
  return server_roots(
      name, [kind] { return nh::testing::emulator(kind); },
      [](const nh::testing::EmulatorServer& server, const std::string& prefix) {
        return server.url(prefix);
      },
      [](const nh::testing::EmulatorServer& server) { return server.endpoint_at(dead_origin()); });
}

class DriverRootTest : public ::testing::TestWithParam<RootFactory> {
 protected:
  void SetUp() override {
    nh::log::set_capture(true);
    roots_ = GetParam().open();
    if (!roots_.skip_reason.empty()) GTEST_SKIP() << roots_.skip_reason;
    ASSERT_EQ(roots_.error, "");
    root_ = make_location("root");
    local_ = make_location("local");
    configure("root", root_);
    configure("local", local_);
  }
  void TearDown() override {
    for (const Location& l : made_) {
      try {
        l.open()->remove_prefix("");
      } catch (const std::exception& e) {
        ADD_FAILURE() << "cleaning " << l.url << ": " << e.what();
      }
    }
    nh::log::set_capture(false);
  }

  Location make_location(const std::string& what) {
    made_.push_back(roots_.location(what));
    return made_.back();
  }

  /// Points a configured location (root, local, mirror-*) at `l`.
  static void configure(const std::string& level, const Location& l) {
    nh::set_parameter("filesystem", l.url, {.location = level});
    nh::set_parameter("filesystem_options", l.options, {.location = level, .secret = true});
  }

  static std::optional<nh::Manifest> manifest(const Location& l, const std::string& key,
                                              const std::string& backend = "basic") {
    nh::EntryStore store(l.open(), "test");
    auto rec = store.find("_", key, backend);
    if (!rec) return std::nullopt;
    return rec->manifest;
  }

  static std::size_t payloads(const Location& l) { return l.open()->list("data/").size(); }
  static void clear(const Location& l) { l.open()->remove_prefix(""); }

  nh::testing::TempProject project_;
  DriverRoots roots_;
  std::vector<Location> made_;
  Location root_;
  Location local_;
};

TEST_P(DriverRootTest, MissComputesHitRecallsSmallValuesInline) {
  int calls = 0;
  auto f = nh::cache("double_it", {"x"}, {.cache_args = {"x"}}, [&](int x) {
    ++calls;
    return x * 2;
  });
  EXPECT_EQ(f(21), 42);
  nh::clear_memoizer();
  EXPECT_EQ(f(21), 42);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(f(5), 10);
  EXPECT_EQ(calls, 2);
  auto m = manifest(root_, "double_it/x=21");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->state, "confirmed");
  EXPECT_EQ(m->args["x"].as<int>(), 21);
  EXPECT_TRUE(m->inline_data.has_value());  // a small value lives in the manifest
  EXPECT_TRUE(m->payload.empty());
  EXPECT_EQ(payloads(root_), 0u);
  EXPECT_TRUE(root_.open()->stat("nuthatch.json"));  // the store marker
}

TEST_P(DriverRootTest, LargeValuesGoThroughAPayloadObject) {
  int calls = 0;
  auto f = nh::cache("big", {}, {}, [&] {
    ++calls;
    return std::vector<double>(20000, 1.5);
  });
  EXPECT_EQ(f().size(), 20000u);
  nh::clear_memoizer();
  EXPECT_EQ(f()[19999], 1.5);
  EXPECT_EQ(calls, 1);
  auto m = manifest(root_, "big");
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->inline_data.has_value());
  EXPECT_THAT(m->checksum, HasSubstr("xxh3-128:"));
  EXPECT_TRUE(root_.open()->stat(m->payload));
  EXPECT_EQ(payloads(root_), 1u);
  EXPECT_THAT(f.uri(), StartsWith(root_.open()->url_of("data/_/big/basic-")));
}

TEST_P(DriverRootTest, ModesReadAndWriteTheRightLevels) {
  auto f = nh::cache("lv", {}, {}, [] { return 5; });
  auto in_root = [&] { return manifest(root_, "lv").has_value(); };
  auto in_local = [&] { return manifest(local_, "lv").has_value(); };
  f.with({.cache_mode = nh::CacheMode::read_only})();
  EXPECT_FALSE(in_root() || in_local());
  EXPECT_THROW(f.with({.cache_mode = nh::CacheMode::read_only_strict})(), nh::CacheMissError);
  EXPECT_THROW(f.with({.cache_mode = nh::CacheMode::local_api})(), nh::CacheMissError);
  f.with({.cache_mode = nh::CacheMode::local})();
  EXPECT_TRUE(in_local());
  EXPECT_FALSE(in_root());
  f.with({.cache_mode = nh::CacheMode::write})();
  EXPECT_TRUE(in_root());
  clear(local_);
  f.with({.cache_mode = nh::CacheMode::local_sync})();  // reads root, writes local
  EXPECT_TRUE(in_local());
  clear(root_);
  int calls = 0;
  auto g = nh::cache("lv", {}, {}, [&] { return 100 + ++calls; });
  EXPECT_EQ(g.with({.cache_mode = nh::CacheMode::local_strict})(), 5);  // local only
  EXPECT_EQ(g.with({.cache_mode = nh::offline})(), 5);
  EXPECT_EQ(g.with({.cache_mode = nh::CacheMode::read_only_strict})(), 5);  // local too
  EXPECT_EQ(g.with({.cache_mode = nh::CacheMode::write})(), 101);           // write ignores local
  EXPECT_EQ(g.with({.cache_mode = nh::CacheMode::off})(), 102);
  EXPECT_EQ(g.with({.cache_mode = nh::CacheMode::overwrite, .recompute = true})(), 103);
  EXPECT_EQ(g.with({.cache_mode = nh::CacheMode::read_only_strict})(), 5);  // local first
  EXPECT_EQ(g(), 103);                                                      // root
  EXPECT_EQ(g.with({.cache_mode = nh::CacheMode::local_overwrite, .recompute = true})(), 104);
  EXPECT_EQ(g.with({.cache_mode = nh::offline})(), 104);
  EXPECT_EQ(calls, 4);
}

TEST_P(DriverRootTest, LocalLevelHoldsEntriesUnderTheMemoKey) {
  auto f = nh::cache("lk", {"a", "b"}, {.cache_args = {"a"}}, [](int a, int b) { return a + b; });
  EXPECT_EQ(f.with({.cache_mode = nh::CacheMode::local})(1, 2), 3);
  // The cache key, then a hash of the other arguments (never their values).
  EXPECT_TRUE(manifest(local_, nh::local_key("lk/a=1", {{"b", 2}})));
  EXPECT_FALSE(manifest(root_, "lk/a=1"));
  EXPECT_EQ(f(1, 2), 3);
  EXPECT_TRUE(manifest(root_, "lk/a=1"));
}

TEST_P(DriverRootTest, MirrorEntriesAreRecalledButNeverWritten) {
  const Location mirror = make_location("mirror");
  configure("root", mirror);  // the mirror's owner fills it
  EXPECT_EQ(nh::cache("mirrored", {}, {}, [] { return 11; })(), 11);
  configure("root", root_);
  configure("mirror-pub", mirror);
  int calls = 0;
  auto f = nh::cache("mirrored", {}, {}, [&] { return ++calls; });
  EXPECT_EQ(f.with({.cache_mode = nh::CacheMode::read_only})(), 11);  // from the mirror
  EXPECT_FALSE(manifest(root_, "mirrored"));
  EXPECT_EQ(f.with({.cache_mode = nh::offline})(), 1);  // local only: the mirror is not read
  EXPECT_EQ(f(), 11);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(manifest(root_, "mirrored"));  // copied to the root (another level)
  // The configured mirror level refuses a write, naming the location, its URL and the key.
  nh::Manifest m;
  m.name = "pushed";
  m.key = "pushed";
  m.backend = "basic";
  try {
    nh::Locations::current()->named("mirror-pub").store_for("basic")
        ->commit(m, nh::Boxed::make(nh::Value(1)), &nh::CodecRegistry::get("basic"),
                 nh::Value::object(), std::nullopt, true);
    FAIL() << "a mirror accepted a write";
  } catch (const nh::StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("mirror-pub"));
    EXPECT_THAT(e.what(), HasSubstr(mirror.open()->url()));
    EXPECT_THAT(e.what(), HasSubstr("read-only"));
    EXPECT_THAT(e.what(), HasSubstr("'pushed'"));
  }
  EXPECT_FALSE(manifest(mirror, "pushed"));
}

TEST_P(DriverRootTest, UnreachableMirrorIsSkippedWithOneWarning) {
  const std::optional<Location> down = roots_.unreachable();
  if (!down) GTEST_SKIP() << GetParam().name << " locations cannot be unreachable";
  const std::string level = unique("mirror-down");  // warn_once is per process and name
  configure(level, *down);
  int calls = 0;
  auto f = nh::cache("behind", {"x"}, {.cache_args = {"x"}}, [&](int x) { return x + ++calls; });
  nh::log::take_captured();
  EXPECT_EQ(f(1), 2);  // the root misses, the mirror fails: computed
  EXPECT_EQ(f(2), 4);
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(manifest(root_, "behind/x=2"));
  const std::string log = nh::log::take_captured();
  const std::string warning = "skipping mirror " + level;
  EXPECT_THAT(log, HasSubstr(warning));
  EXPECT_EQ(log.find(warning), log.rfind(warning)) << "warned more than once:\n" << log;
}

TEST_P(DriverRootTest, NullEntriesAndRetryNullCache) {
  int calls = 0;
  auto f = nh::cache("maybe", {}, {}, [&]() -> std::optional<int> {
    ++calls;
    return std::nullopt;
  });
  EXPECT_EQ(f(), std::nullopt);
  nh::clear_memoizer();
  EXPECT_EQ(f(), std::nullopt);
  EXPECT_EQ(calls, 1);
  auto m = manifest(root_, "maybe", "null");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->is_null());
  EXPECT_EQ(f.with({.retry_null_cache = true})(), std::nullopt);
  EXPECT_EQ(calls, 2);
  auto g = nh::cache("maybe", {}, {}, [&]() -> std::optional<int> { return 7; });
  EXPECT_EQ(g.with({.retry_null_cache = true})(), 7);  // a value replaces the null entry
  EXPECT_EQ(g(), 7);
  EXPECT_FALSE(manifest(root_, "maybe", "null"));
  EXPECT_TRUE(manifest(root_, "maybe"));
}

TEST_P(DriverRootTest, OverwriteCommitsANewEntryAndRetiresTheOldPayload) {
  int calls = 0;
  auto f = nh::cache("ow", {}, {}, [&] {
    ++calls;
    return std::vector<int>(6000, calls);
  });
  f();
  const auto first = manifest(root_, "ow");
  ASSERT_TRUE(first);
  nh::log::take_captured();
  EXPECT_EQ(f.with({.recompute = true})()[0], 2);  // not interactive: keeps the stored one
  EXPECT_THAT(nh::log::take_captured(), HasSubstr("keeping the existing cache entry"));
  EXPECT_EQ(manifest(root_, "ow")->entry_id, first->entry_id);
  EXPECT_EQ(f.with({.recompute = true, .force_overwrite = true})()[0], 3);
  const auto second = manifest(root_, "ow");
  ASSERT_TRUE(second);
  EXPECT_NE(second->entry_id, first->entry_id);
  // Retired after the manifest swap: kept for readers that opened it, marked for gc.
  EXPECT_TRUE(root_.open()->stat(first->payload));
  EXPECT_TRUE(root_.open()->stat(nh::retirement_marker_path(first->payload)));
  EXPECT_EQ(f.with({.cache_mode = nh::CacheMode::overwrite, .recompute = true})()[0], 4);
  EXPECT_NE(manifest(root_, "ow")->entry_id, second->entry_id);
  EXPECT_EQ(payloads(root_), 3u);
  EXPECT_EQ(root_.open()->list("retired/").size(), 2u);
  nh::clear_memoizer();
  EXPECT_EQ(f()[0], 4);
  EXPECT_EQ(calls, 4);
}

TEST_P(DriverRootTest, RecomputeReachesNestedCallsAndVersionsReplace) {
  int inner_calls = 0;
  auto inner = nh::cache("inner", {}, {}, [&] { return ++inner_calls; });
  auto outer = nh::cache("outer", {}, {}, [&] { return inner() * 100; });
  EXPECT_EQ(outer(), 100);
  EXPECT_EQ(outer.with({.recompute = true, .force_overwrite = true})(), 100);  // outer only
  EXPECT_EQ(inner_calls, 1);
  EXPECT_EQ(outer.with(
                {.recompute = nh::Recompute::names({"outer", "inner"}), .force_overwrite = true})(),
            200);
  EXPECT_EQ(inner(), 2);  // overwritten too: force_overwrite reaches nested calls
  auto v2 = nh::cache("inner", {}, {.version = "2"}, [] { return 7; });
  EXPECT_EQ(v2(), 7);  // the old version is invisible: recomputed and replaced
  EXPECT_EQ(manifest(root_, "inner")->version, "2");
}

TEST_P(DriverRootTest, ConcurrentCallsEndWithOneCompleteEntry) {
  auto f = nh::cache("race", {}, {}, [] { return std::vector<int>(6000, 9); });
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 3; ++j) EXPECT_EQ(f()[5999], 9);
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(manifest(root_, "race"));
  EXPECT_EQ(payloads(root_), 1u);  // the losers' payloads were discarded
}

INSTANTIATE_TEST_SUITE_P(
    Drivers, DriverRootTest,
    ::testing::Values(directory_roots(), memory_roots(), s3_roots(nh::testing::S3ServerKind::minio),
                      s3_roots(nh::testing::S3ServerKind::moto),
                      emulator_roots("gcs_fake", nh::testing::EmulatorKind::fake_gcs),
                      emulator_roots("azure_azurite", nh::testing::EmulatorKind::azurite)),
    [](const ::testing::TestParamInfo<RootFactory>& info) { return info.param.name; });

}  // namespace
