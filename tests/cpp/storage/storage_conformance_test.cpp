// The Storage contract (include/nuthatch/storage.hpp), checked on every driver. A new
// driver adds one DriverCase to the instantiation at the bottom; `memory` is the reference.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"
#include "storage/temp_dir.hpp"
#include "support/gcs_azure_servers.hpp"
#include "support/s3_server.hpp"

namespace nuthatch {
namespace {

using testing::TempDir;

// A fresh, empty location of one driver, and whatever keeps it alive. A driver whose test
// server is not configured gives a skip reason; one whose server failed, an error.
struct TestLocation {
  StoragePtr storage;
  std::shared_ptr<void> keep_alive;
  std::string skip_reason;
  std::string error;
};

struct DriverCase {
  std::string name;
  std::function<TestLocation()> make;
  friend void PrintTo(const DriverCase& c, std::ostream* os) { *os << c.name; }
};

std::string binary_data(std::size_t size) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 131 + i / 7) & 0xFF);
  return data;
}

std::vector<std::string> paths_of(std::vector<ObjectInfo> infos) {
  std::vector<std::string> paths;
  for (auto& info : infos) paths.push_back(std::move(info.path));
  std::sort(paths.begin(), paths.end());
  return paths;
}

class StorageConformanceTest : public ::testing::TestWithParam<DriverCase> {
 protected:
  void SetUp() override {
    location_ = GetParam().make();
    if (!location_.skip_reason.empty()) GTEST_SKIP() << location_.skip_reason;
    ASSERT_EQ(location_.error, "");
    storage_ = location_.storage;
    ASSERT_NE(storage_, nullptr);
  }
  void TearDown() override {
    if (storage_) storage_->remove_prefix("");
  }

  TestLocation location_;
  StoragePtr storage_;
};

TEST_P(StorageConformanceTest, MissingObjectIsNullopt) {
  EXPECT_EQ(storage_->read("missing"), std::nullopt);
  EXPECT_EQ(storage_->read("no/such/dir/object"), std::nullopt);
  EXPECT_EQ(storage_->read("missing", {.offset = 2, .length = 3}), std::nullopt);
  EXPECT_EQ(storage_->stat("missing"), std::nullopt);
  EXPECT_TRUE(storage_->list("").empty());
  EXPECT_TRUE(storage_->list("no/such/").empty());
}

TEST_P(StorageConformanceTest, RoundTrip) {
  const std::string with_nuls("a\0b\0\0c\xff\x80", 8);
  const std::string big = binary_data(5 * 1024 * 1024);
  storage_->write("empty", "");
  storage_->write("binary", with_nuls);
  storage_->write("nested/deeper/big", big);
  EXPECT_EQ(storage_->read("empty"), "");
  EXPECT_EQ(storage_->read("binary"), with_nuls);
  EXPECT_EQ(storage_->read("nested/deeper/big"), big);
}

TEST_P(StorageConformanceTest, StatDescribesObject) {
  storage_->write("dir/object", "12345");
  const auto info = storage_->stat("dir/object");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->path, "dir/object");
  EXPECT_EQ(info->size, 5u);
  EXPECT_FALSE(info->generation.empty());
  EXPECT_GT(info->mtime_ns, 0);
  // A "directory" of keys is not an object.
  EXPECT_EQ(storage_->stat("dir"), std::nullopt);
  EXPECT_EQ(storage_->read("dir"), std::nullopt);
}

// Ranges are clipped to the object: an offset at or past the end reads "" (the object
// exists), a length past the end reads up to the end.
TEST_P(StorageConformanceTest, RangedReads) {
  storage_->write("r", "0123456789");
  EXPECT_EQ(storage_->read("r", {.offset = 3}), "3456789");
  EXPECT_EQ(storage_->read("r", {.offset = 3, .length = 4}), "3456");
  EXPECT_EQ(storage_->read("r", {.offset = 0, .length = 0}), "");
  EXPECT_EQ(storage_->read("r", {.offset = 8, .length = 100}), "89");
  EXPECT_EQ(storage_->read("r", {.offset = 10}), "");
  EXPECT_EQ(storage_->read("r", {.offset = 1000, .length = 5}), "");
}

TEST_P(StorageConformanceTest, OverwriteReplacesDataAndGeneration) {
  storage_->write("o", "first");
  const auto before = storage_->stat("o");
  storage_->write("o", "other");  // same size
  const auto after = storage_->stat("o");
  ASSERT_TRUE(before && after);
  EXPECT_EQ(storage_->read("o"), "other");
  EXPECT_NE(before->generation, after->generation);
}

TEST_P(StorageConformanceTest, ReadVersionedGivesBytesAndTheirGeneration) {
  EXPECT_EQ(storage_->read_versioned("v/none"), std::nullopt);
  storage_->write("v/o", "first");
  auto first = storage_->read_versioned("v/o");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->data, "first");
  EXPECT_EQ(first->generation, storage_->stat("v/o")->generation);
  // The generation it gives is one a compare-and-swap accepts.
  EXPECT_TRUE(storage_->write_if("v/o", "other", WriteCondition::if_generation(first->generation)));
  auto second = storage_->read_versioned("v/o");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->data, "other");
  EXPECT_NE(second->generation, first->generation);
  EXPECT_FALSE(storage_->write_if("v/o", "late", WriteCondition::if_generation(first->generation)));
}

TEST_P(StorageConformanceTest, WriteIfAbsentSucceedsOnce) {
  EXPECT_TRUE(storage_->write_if("m/a.json", "one", WriteCondition::if_absent()));
  EXPECT_FALSE(storage_->write_if("m/a.json", "two", WriteCondition::if_absent()));
  EXPECT_EQ(storage_->read("m/a.json"), "one");
}

TEST_P(StorageConformanceTest, WriteIfGeneration) {
  EXPECT_FALSE(storage_->write_if("g", "x", WriteCondition::if_generation("1-2-3")));
  EXPECT_EQ(storage_->read("g"), std::nullopt);

  storage_->write("g", "v1");
  const std::string gen1 = storage_->stat("g")->generation;
  EXPECT_TRUE(storage_->write_if("g", "v2", WriteCondition::if_generation(gen1)));
  EXPECT_EQ(storage_->read("g"), "v2");
  const std::string gen2 = storage_->stat("g")->generation;
  EXPECT_NE(gen1, gen2);
  EXPECT_FALSE(storage_->write_if("g", "v3", WriteCondition::if_generation(gen1)));
  EXPECT_EQ(storage_->read("g"), "v2");
  EXPECT_TRUE(storage_->write_if("g", "v3", WriteCondition::if_generation(gen2)));
  EXPECT_EQ(storage_->read("g"), "v3");
}

// Runs `attempt(i)` on `threads` threads released together; returns the winners.
std::vector<int> race(int threads, const std::function<bool(int)>& attempt) {
  std::latch start(threads);
  std::vector<char> won(threads, 0);
  std::vector<std::string> errors(threads);
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        won[i] = attempt(i);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : pool) t.join();
  std::vector<int> winners;
  for (int i = 0; i < threads; ++i) {
    EXPECT_EQ(errors[i], "") << "thread " << i;
    if (won[i]) winners.push_back(i);
  }
  return winners;
}

TEST_P(StorageConformanceTest, ConcurrentWriteIfGenerationHasOneWinner) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    const std::string key = "cas/manifest" + std::to_string(round) + ".json";
    storage_->write(key, "initial");
    const std::string stale = storage_->stat(key)->generation;
    const auto winners = race(kThreads, [&](int i) {
      return storage_->write_if(key, "writer " + std::to_string(i),
                                WriteCondition::if_generation(stale));
    });
    ASSERT_EQ(winners.size(), 1u) << "round " << round;
    EXPECT_EQ(storage_->read(key), "writer " + std::to_string(winners[0]));
  }
}

TEST_P(StorageConformanceTest, ConcurrentWriteIfAbsentHasOneWinner) {
  constexpr int kThreads = 8;
  const auto winners = race(kThreads, [&](int i) {
    return storage_->write_if("new/dir/key", "writer " + std::to_string(i),
                              WriteCondition::if_absent());
  });
  ASSERT_EQ(winners.size(), 1u);
  EXPECT_EQ(storage_->read("new/dir/key"), "writer " + std::to_string(winners[0]));
}

// write() is atomic: a concurrent reader sees the complete old or new bytes.
TEST_P(StorageConformanceTest, ReadersNeverSeeMixedWrites) {
  constexpr std::size_t kSize = 256 * 1024;
  const std::string a(kSize, 'a');
  const std::string b(kSize, 'b');
  storage_->write("atomic", a);
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!done) {
      const auto data = storage_->read("atomic");
      if (!data || (*data != a && *data != b)) ++bad;
    }
  });
  for (int i = 0; i < 50; ++i) storage_->write("atomic", i % 2 ? a : b);
  done = true;
  reader.join();
  EXPECT_EQ(bad, 0);
}

TEST_P(StorageConformanceTest, ListIsByExactPrefix) {
  for (const char* key : {"a/b/c", "a/b/d", "a/bc", "a/x/y/z", "ab", "z"}) {
    storage_->write(key, key);
  }
  using Paths = std::vector<std::string>;
  EXPECT_EQ(paths_of(storage_->list("")), (Paths{"a/b/c", "a/b/d", "a/bc", "a/x/y/z", "ab", "z"}));
  EXPECT_EQ(paths_of(storage_->list("a/")), (Paths{"a/b/c", "a/b/d", "a/bc", "a/x/y/z"}));
  EXPECT_EQ(paths_of(storage_->list("a/b")), (Paths{"a/b/c", "a/b/d", "a/bc"}));
  EXPECT_EQ(paths_of(storage_->list("a/b/")), (Paths{"a/b/c", "a/b/d"}));
  EXPECT_EQ(paths_of(storage_->list("a/b/c")), (Paths{"a/b/c"}));
  EXPECT_EQ(paths_of(storage_->list("a")), (Paths{"a/b/c", "a/b/d", "a/bc", "a/x/y/z", "ab"}));
  EXPECT_TRUE(storage_->list("a/q").empty());
  EXPECT_TRUE(storage_->list("zz").empty());
  EXPECT_TRUE(storage_->list("nothing/here/").empty());
}

// Every object that list() returns, streamed: each once, in non-empty pages, with what
// stat() reports.
TEST_P(StorageConformanceTest, ListPagesStreamsWhatListReturns) {
  for (const char* key : {"a/b/c", "a/b/d", "a/bc", "a/x/y/z", "ab", "z", "deep/1/2/3/4/5"}) {
    storage_->write(key, key);
  }
  const auto streamed = [&](std::string_view prefix) {
    std::vector<ObjectInfo> all;
    storage_->list_pages(prefix, [&](std::vector<ObjectInfo>& page) {
      EXPECT_FALSE(page.empty());
      for (auto& info : page) all.push_back(std::move(info));
    });
    return all;
  };
  for (const char* prefix : {"", "a/", "a/b", "a/b/", "a", "deep/1/", "zz", "nothing/here/"}) {
    SCOPED_TRACE(std::string("prefix '") + prefix + "'");
    const std::vector<std::string> listed = paths_of(storage_->list(prefix));
    const std::vector<ObjectInfo> infos = streamed(prefix);
    EXPECT_EQ(paths_of(infos), listed);  // sorted, so a duplicate would show
    for (const ObjectInfo& info : infos) {
      const auto stat = storage_->stat(info.path);
      ASSERT_TRUE(stat.has_value()) << info.path;
      EXPECT_EQ(info.size, stat->size);
      EXPECT_EQ(info.generation, stat->generation);
    }
  }
  int pages = 0;
  storage_->list_pages("nothing/", [&](std::vector<ObjectInfo>&) { ++pages; });
  EXPECT_EQ(pages, 0);
  EXPECT_THROW(storage_->list_pages("../", [](std::vector<ObjectInfo>&) {}), StorageError);
}

// A scan that removes what it is handed (as `nuthatch gc` may) sees everything once and
// leaves nothing; an exception from the callback stops the scan and reaches the caller.
TEST_P(StorageConformanceTest, ListPagesCallbackMayRemoveAndMayThrow) {
  for (int i = 0; i < 12; ++i) {
    storage_->write("gc/" + std::to_string(i % 3) + "/o" + std::to_string(i), "x");
  }
  storage_->write("keep", "k");
  std::size_t seen = 0;
  storage_->list_pages("gc/", [&](std::vector<ObjectInfo>& page) {
    std::vector<std::string> paths;
    for (const ObjectInfo& info : page) paths.push_back(info.path);
    seen += paths.size();
    storage_->remove(paths);
  });
  EXPECT_EQ(seen, 12u);
  EXPECT_EQ(paths_of(storage_->list("")), std::vector<std::string>{"keep"});
  int calls = 0;
  const auto stop = [&](std::vector<ObjectInfo>&) {
    ++calls;
    throw std::runtime_error("stop");
  };
  EXPECT_THROW(storage_->list_pages("", stop), std::runtime_error);
  EXPECT_EQ(calls, 1);
}

TEST_P(StorageConformanceTest, ListReportsWhatStatReports) {
  storage_->write("info/one", "1");
  storage_->write("info/three", "333");
  for (const ObjectInfo& info : storage_->list("info/")) {
    const auto stat = storage_->stat(info.path);
    ASSERT_TRUE(stat.has_value()) << info.path;
    EXPECT_EQ(info.size, stat->size);
    EXPECT_EQ(info.generation, stat->generation);
    EXPECT_EQ(info.mtime_ns, stat->mtime_ns);
  }
}

TEST_P(StorageConformanceTest, RemoveIgnoresMissingAndTakesBatches) {
  storage_->write("d/1", "1");
  storage_->write("d/2", "2");
  storage_->write("d/sub/3", "3");
  storage_->write("keep", "k");
  storage_->remove({"missing", "d/no/such"});
  storage_->remove({"d/1"});
  EXPECT_EQ(storage_->read("d/1"), std::nullopt);
  EXPECT_EQ(storage_->read("d/2"), "2");
  storage_->remove({"d/2", "d/sub/3", "d/2", "absent"});
  EXPECT_EQ(paths_of(storage_->list("")), std::vector<std::string>{"keep"});
  storage_->remove({});
  // A key can be written again after removal.
  storage_->write("d/1", "again");
  EXPECT_EQ(storage_->read("d/1"), "again");
}

TEST_P(StorageConformanceTest, RemovePrefix) {
  for (const char* key : {"data/x/p.zarr/0.0", "data/x/p.zarr/zarr.json", "data/x/p.zarr2",
                          "data/y/q", "meta/x"}) {
    storage_->write(key, "v");
  }
  EXPECT_EQ(storage_->remove_prefix("data/x/p.zarr/"), 2u);
  EXPECT_EQ(paths_of(storage_->list("")),
            (std::vector<std::string>{"data/x/p.zarr2", "data/y/q", "meta/x"}));
  EXPECT_EQ(storage_->remove_prefix("data/"), 2u);
  EXPECT_EQ(storage_->remove_prefix("data/"), 0u);
  EXPECT_EQ(storage_->remove_prefix("nothing/"), 0u);
  EXPECT_EQ(paths_of(storage_->list("")), (std::vector<std::string>{"meta/x"}));
}

TEST_P(StorageConformanceTest, KeysThatCouldEscapeAreRejected) {
  const std::vector<std::string> bad_keys = {
      "",   "../escape", "a/../../escape", "..", ".", "a/./b", "a//b", "/abs",
      "a/", std::string("nul\0byte", 8)};
  for (const auto& key : bad_keys) {
    SCOPED_TRACE("key '" + key + "'");
    EXPECT_THROW(storage_->write(key, "x"), StorageError);
    EXPECT_THROW(storage_->write_if(key, "x", WriteCondition::if_absent()), StorageError);
    EXPECT_THROW(storage_->read(key), StorageError);
    EXPECT_THROW(storage_->stat(key), StorageError);
    EXPECT_THROW(storage_->remove({"fine", key}), StorageError);
  }
  EXPECT_THROW(storage_->list("../"), StorageError);
  EXPECT_THROW(storage_->list("/abs"), StorageError);
  EXPECT_THROW(storage_->remove_prefix("a//"), StorageError);
  EXPECT_TRUE(storage_->list("").empty());
}

TEST_P(StorageConformanceTest, UrlOfNamesThePath) {
  const std::string url = storage_->url_of("meta/_/k.json");
  EXPECT_NE(url.find("meta/_/k.json"), std::string::npos) << url;
  EXPECT_EQ(url.find("//meta"), std::string::npos) << url;
}

DriverCase file_driver() {
  return {"file", [] {
            auto dir = std::make_shared<TempDir>();
            // A root that does not exist yet: the first write creates it.
            return TestLocation{StorageRegistry::open(*dir / "store"), dir};
          }};
}

DriverCase memory_driver() {
  return {"memory", [] {
            static std::atomic<int> counter{0};
            const std::string name = "memory://conformance-" + std::to_string(::getpid()) +
                                     "-" + std::to_string(++counter);
            return TestLocation{StorageRegistry::open(name), nullptr};
          }};
}

// s3 on a real server (MinIO, moto), each test in a fresh prefix of the test bucket.
DriverCase s3_driver(testing::S3ServerKind kind) {
  return {std::string("s3_") + testing::kind_name(kind), [kind] {
            const testing::S3ServerLookup lookup = testing::s3_server(kind);
            if (!lookup.server) {
              return TestLocation{nullptr, nullptr, lookup.skip_reason, lookup.error};
            }
            static std::atomic<int> counter{0};
            const std::string prefix = "conformance-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(++counter);
            return TestLocation{StorageRegistry::open(testing::S3Server::url(prefix),
                                                      lookup.server->options()),
                                lookup.server};
          }};
}

// gs on fake-gcs-server and az on Azurite, each test in a fresh prefix of the test bucket.
DriverCase emulator_driver(const std::string& name, testing::EmulatorKind kind) {
  return {name, [kind] {
            auto location = testing::emulator_location(kind, "conformance");
            return TestLocation{location.storage, location.server, location.skip_reason,
                                location.error};
          }};
}

INSTANTIATE_TEST_SUITE_P(Drivers, StorageConformanceTest,
                         ::testing::Values(file_driver(), memory_driver(),
                                           s3_driver(testing::S3ServerKind::minio),
                                           s3_driver(testing::S3ServerKind::moto),
                                           emulator_driver("gcs_fake", testing::EmulatorKind::fake_gcs),
                                           emulator_driver("azure_azurite", testing::EmulatorKind::azurite)),
                         [](const ::testing::TestParamInfo<DriverCase>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace nuthatch
