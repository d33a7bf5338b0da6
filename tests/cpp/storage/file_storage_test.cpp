// The `file` driver beyond the common contract: its on-disk layout, URLs, options and
// cross-process compare-and-swap. The contract itself is in storage_conformance_test.cpp.

#include "storage/file/file_storage.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"
#include "storage/file/filesystem_check.hpp"
#include "storage/file/posix_io.hpp"
#include "storage/temp_dir.hpp"

namespace nuthatch {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::vector<std::string> entries_of(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

void create_file(const std::string& path, const std::string& data = "") {
  std::ofstream(path, std::ios::binary) << data;
}

// Sets an environment variable for the scope of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(FileStorageTest, RootIsCreatedOnFirstWrite) {
  TempDir dir;
  const std::string root = dir / "a/b/root";
  auto storage = StorageRegistry::open(root);
  EXPECT_EQ(storage->read("k"), std::nullopt);
  EXPECT_TRUE(storage->list("").empty());
  EXPECT_EQ(storage->remove_prefix(""), 0u);
  storage->remove({"k"});
  EXPECT_FALSE(fs::exists(root));
  storage->write("k", "v");
  EXPECT_TRUE(fs::is_regular_file(root + "/k"));
}

TEST(FileStorageTest, ObjectsAreFilesAndNoLockFilesRemain) {
  TempDir dir;
  auto storage = StorageRegistry::open(dir.path());
  storage->write("meta/_/f/basic.json", "{}");
  ASSERT_TRUE(storage->write_if("meta/_/f/null.json", "n", WriteCondition::if_absent()));
  ASSERT_FALSE(storage->write_if("meta/_/f/null.json", "n", WriteCondition::if_absent()));
  EXPECT_EQ(entries_of(dir / "meta/_/f"), (std::vector<std::string>{"basic.json", "null.json"}));
  std::ifstream in(dir / "meta/_/f/basic.json");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "{}");
}

TEST(FileStorageTest, TempFilesAreHiddenAndReserved) {
  TempDir dir;
  auto storage = StorageRegistry::open(dir.path());
  storage->write("d/real", "x");
  const std::string temp_name = std::string(FileStorage::temp_prefix()) + "deadbeef";
  create_file(dir / temp_name, "partial");
  create_file(dir / ("d/" + temp_name), "partial");
  const auto listed = storage->list("");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].path, "d/real");
  EXPECT_TRUE(FileStorage::is_temp_name(temp_name));
  EXPECT_FALSE(FileStorage::is_temp_name("nh-tmp-x"));
  EXPECT_THROW(storage->write("d/" + temp_name, "x"), StorageError);
  EXPECT_THROW(storage->read(temp_name), StorageError);
}

TEST(FileStorageTest, RemovePrunesEmptyDirectoriesUpToTheRoot) {
  TempDir dir;
  auto storage = StorageRegistry::open(dir / "root");
  storage->write("data/ns/key/a.bin", "a");
  storage->write("data/ns/key/b.bin", "b");
  storage->write("data/ns/other/c.bin", "c");
  storage->remove({"data/ns/key/a.bin"});
  EXPECT_TRUE(fs::exists(dir / "root/data/ns/key"));
  storage->remove({"data/ns/key/b.bin"});
  EXPECT_FALSE(fs::exists(dir / "root/data/ns/key"));
  EXPECT_TRUE(fs::exists(dir / "root/data/ns/other"));
  storage->remove({"data/ns/other/c.bin"});
  EXPECT_FALSE(fs::exists(dir / "root/data"));
  EXPECT_TRUE(fs::is_directory(dir / "root"));  // the root itself stays

  storage->write("x/y/z/file", "f");
  EXPECT_EQ(storage->remove_prefix("x/y/"), 1u);
  EXPECT_TRUE(entries_of(dir / "root").empty());
}

TEST(FileStorageTest, RemovePrefixDeletesTreesWithoutFollowingSymlinks) {
  TempDir dir;
  auto storage = StorageRegistry::open(dir / "root");
  create_file(dir / "outside", "precious");
  storage->write("p.zarr/c/0/0", "chunk");
  storage->write("p.zarr/zarr.json", "{}");
  fs::create_symlink(dir / "outside", dir / "root/p.zarr/link");
  fs::create_directory_symlink(dir.path(), dir / "root/p.zarr/dirlink");
  storage->remove_prefix("p.zarr/");
  EXPECT_TRUE(fs::exists(dir / "outside"));
  EXPECT_TRUE(entries_of(dir / "root").empty());
}

TEST(FileStorageTest, KeysNeverEscapeTheRoot) {
  TempDir dir;
  auto storage = StorageRegistry::open(dir / "root");
  storage->write("inside", "x");
  for (const char* key : {"../escape", "a/../../escape", "/escape"}) {
    EXPECT_THROW(storage->write(key, "x"), StorageError) << key;
  }
  EXPECT_EQ(entries_of(dir.path()), std::vector<std::string>{"root"});
  EXPECT_EQ(entries_of(dir / "root"), std::vector<std::string>{"inside"});
}

TEST(FileStorageTest, TildeExpandsToHome) {
  TempDir home;
  ScopedEnv env("HOME", home.path());
  auto storage = StorageRegistry::open("~/cache/nuthatch");
  EXPECT_EQ(storage->url(), home / "cache/nuthatch");
  storage->write("k", "v");
  EXPECT_TRUE(fs::is_regular_file(home / "cache/nuthatch/k"));

  auto at_home = StorageRegistry::open("~");
  EXPECT_EQ(at_home->read("cache/nuthatch/k"), "v");
  auto via_url = StorageRegistry::open("file://~/cache/nuthatch");
  EXPECT_EQ(via_url->read("k"), "v");
}

TEST(FileStorageTest, FileUrls) {
  TempDir dir;
  const std::string url = "file://" + dir.path() + "/store";
  auto storage = StorageRegistry::open(url);
  EXPECT_EQ(storage->url(), url);
  EXPECT_EQ(storage->url_of("meta/x.json"), dir / "store/meta/x.json");
  storage->write("meta/x.json", "{}");
  EXPECT_TRUE(fs::is_regular_file(dir / "store/meta/x.json"));

  auto bare = StorageRegistry::open(dir.path() + "/store/");
  EXPECT_EQ(bare->read("meta/x.json"), "{}");
  EXPECT_EQ(bare->url_of("meta/x.json"), dir / "store/meta/x.json");
  auto localhost = StorageRegistry::open("file://localhost" + dir.path() + "/store");
  EXPECT_EQ(localhost->read("meta/x.json"), "{}");

  EXPECT_EQ(FileStorage::local_path_of("file:///data/with%20space/"), "/data/with space");
  EXPECT_EQ(FileStorage::local_path_of("/a/b/../c"), "/a/c");
}

TEST(FileStorageTest, SchemeOf) {
  EXPECT_EQ(StorageRegistry::scheme_of("/data/x"), "file");
  EXPECT_EQ(StorageRegistry::scheme_of("relative/x"), "file");
  EXPECT_EQ(StorageRegistry::scheme_of("~/x"), "file");
  EXPECT_EQ(StorageRegistry::scheme_of("file:///data/x"), "file");
  EXPECT_EQ(StorageRegistry::scheme_of("s3://bucket/p"), "s3");
  EXPECT_EQ(StorageRegistry::scheme_of("GS://bucket/p"), "gs");
  EXPECT_EQ(StorageRegistry::scheme_of("memory://x"), "memory");
  EXPECT_EQ(StorageRegistry::scheme_of("./odd://x"), "file");
}

TEST(FileStorageTest, UnknownSchemeListsTheRegisteredOnes) {
  const auto schemes = StorageRegistry::schemes();
  EXPECT_NE(std::find(schemes.begin(), schemes.end(), "file"), schemes.end());
  EXPECT_NE(std::find(schemes.begin(), schemes.end(), "memory"), schemes.end());
  try {
    StorageRegistry::open("foo://x");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("unknown storage scheme 'foo' in 'foo://x'"), std::string::npos)
        << message;
    EXPECT_NE(message.find("file"), std::string::npos) << message;
    EXPECT_NE(message.find("memory"), std::string::npos) << message;
  }
  // Credentials in a URL never reach the message.
  try {
    StorageRegistry::open("foo://user:hunter2@host/x");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  }
}

TEST(FileStorageTest, FsyncOption) {
  TempDir dir;
  EXPECT_TRUE(FileStorage::parse_options(Value::object()).fsync);
  EXPECT_FALSE(FileStorage::parse_options(Value::object({{"fsync", false}})).fsync);
  EXPECT_FALSE(FileStorage::parse_options(Value::object({{"fsync", "false"}})).fsync);
  EXPECT_THROW(FileStorage::parse_options(Value::object({{"fsync", "maybe"}})), ConfigError);
  auto storage = StorageRegistry::open(dir.path(), Value::object({{"fsync", false}}));
  storage->write("a/b", "fast");
  EXPECT_TRUE(storage->write_if("a/c", "fast", WriteCondition::if_absent()));
  EXPECT_EQ(storage->read("a/b"), "fast");
}

TEST(FileStorageTest, ErrorsNameKeyLocationAndCause) {
  TempDir dir;
  auto storage = StorageRegistry::open(dir.path());
  storage->write("file", "x");
  try {
    storage->write("file/child", "y");  // a file where a directory is needed
    FAIL() << "expected StorageError";
  } catch (const StorageError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'file/child'"), std::string::npos) << message;
    EXPECT_NE(message.find(dir.path()), std::string::npos) << message;
    EXPECT_NE(message.find("ot a directory"), std::string::npos) << message;
  }
}

// remove() prunes directories that become empty; a writer whose directory disappears
// under it starts again instead of failing.
// With fsync on, the fsyncs of the directories a write creates run beside the rest of the
// write (file_storage.cpp, step 3): the same races hold, and no descriptor is left open.
class FileStorageFsyncTest : public ::testing::TestWithParam<bool> {};

INSTANTIATE_TEST_SUITE_P(Fsync, FileStorageFsyncTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "on" : "off"; });

std::size_t open_descriptors() {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                                std::filesystem::directory_iterator()));
}

TEST_P(FileStorageFsyncTest, WritesSurviveConcurrentPruning) {
  constexpr int kThreads = 4;
  const int kIterations = GetParam() ? 50 : 200;
  TempDir dir;
  auto storage = StorageRegistry::open(dir.path(), Value::object({{"fsync", GetParam()}}));
  const std::size_t descriptors = open_descriptors();
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string key = "shared/dir/k" + std::to_string(t);
      for (int i = 0; i < kIterations; ++i) {
        try {
          storage->write(key, "v");
          if (storage->read(key) != "v") ++errors;
          storage->remove({key});
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          ++errors;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(errors, 0);
  EXPECT_TRUE(entries_of(dir.path()).empty());
  EXPECT_EQ(open_descriptors(), descriptors);
}

TEST_P(FileStorageFsyncTest, DeepNewDirectoriesAreWrittenAndReadBack) {
  TempDir dir;
  auto storage = StorageRegistry::open(dir.path() + "/root", Value::object({{"fsync", GetParam()}}));
  const std::size_t descriptors = open_descriptors();
  for (int i = 0; i < 20; ++i) {
    const std::string key = "a" + std::to_string(i) + "/b/c/d/object";
    storage->write(key, "value " + std::to_string(i));
    EXPECT_EQ(storage->read(key), "value " + std::to_string(i));
  }
  EXPECT_EQ(open_descriptors(), descriptors);
}

// Two processes race write_if(if_absent) on the same key: exactly one wins, every round.
TEST(FileStorageTest, TwoProcessWriteIfRace) {
  constexpr int kRounds = 20;
  constexpr int kWon = 0;
  constexpr int kLost = 1;
  constexpr int kFailed = 2;
  TempDir dir;
  for (int round = 0; round < kRounds; ++round) {
    const std::string key = "race/" + std::to_string(round) + "/manifest.json";
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    pid_t children[2];
    for (int child = 0; child < 2; ++child) {
      children[child] = ::fork();
      ASSERT_GE(children[child], 0);
      if (children[child] == 0) {
        ::close(go[1]);
        int code = kFailed;
        try {
          auto storage = StorageRegistry::open(dir.path());
          char byte;
          (void)::read(go[0], &byte, 1);  // returns at EOF: both children start together
          code = storage->write_if(key, "child " + std::to_string(child),
                                   WriteCondition::if_absent())
                     ? kWon
                     : kLost;
        } catch (...) {
        }
        ::_exit(code);
      }
    }
    ::close(go[0]);
    ::close(go[1]);
    int won = 0;
    int lost = 0;
    for (const pid_t pid : children) {
      int status = 0;
      ASSERT_EQ(::waitpid(pid, &status, 0), pid);
      ASSERT_TRUE(WIFEXITED(status));
      won += WEXITSTATUS(status) == kWon;
      lost += WEXITSTATUS(status) == kLost;
    }
    EXPECT_EQ(won, 1) << "round " << round;
    EXPECT_EQ(lost, 1) << "round " << round;
  }
  auto storage = StorageRegistry::open(dir.path());
  EXPECT_EQ(storage->list("race/").size(), static_cast<std::size_t>(kRounds));
}

// list() must stay fast on large stores (one fstatat per file: ~0.2 s for 100k files).
// The tree is smaller here because creating files is the slow part of this test.
TEST(FileStorageTest, ListsManyFilesQuickly) {
  constexpr int kDirs = 10;
  constexpr int kFilesPerDir = 1000;
#if defined(__SANITIZE_ADDRESS__)
  constexpr double kBudgetSeconds = 3.0;
#else
  constexpr double kBudgetSeconds = 0.5;
#endif
  TempDir dir;
  for (int d = 0; d < kDirs; ++d) {
    const std::string sub = dir / ("data/d" + std::to_string(d));
    fs::create_directories(sub);
    for (int f = 0; f < kFilesPerDir; ++f) {
      const int fd = ::open((sub + "/f" + std::to_string(f)).c_str(), O_CREAT | O_WRONLY, 0644);
      ASSERT_GE(fd, 0);
      ::close(fd);
    }
  }
  auto storage = StorageRegistry::open(dir.path());
  const auto start = std::chrono::steady_clock::now();
  const auto listed = storage->list("data/");
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(listed.size(), static_cast<std::size_t>(kDirs * kFilesPerDir));
  EXPECT_LT(elapsed.count(), kBudgetSeconds);
  RecordProperty("list_seconds", std::to_string(elapsed.count()));

  const auto removal_start = std::chrono::steady_clock::now();
  EXPECT_EQ(storage->remove_prefix("data/"), static_cast<std::size_t>(kDirs * kFilesPerDir));
  const std::chrono::duration<double> removal = std::chrono::steady_clock::now() - removal_start;
  RecordProperty("remove_prefix_seconds", std::to_string(removal.count()));
  EXPECT_TRUE(entries_of(dir.path()).empty());
}

// Both ways of opening below the root (openat2, and the component walk kept for kernels
// without it) refuse a link at any component with ELOOP.
TEST(FileStorageTest, OpenBeneathFollowsNoLink) {
  TempDir dir;
  fs::create_directories(dir / "root/a/b");
  create_file(dir / "root/a/b/file", "f");
  create_file(dir / "outside", "o");
  fs::create_directory_symlink(dir / "root/a", dir / "root/dirlink");
  fs::create_symlink(dir / "outside", dir / "root/a/filelink");
  const posix::UniqueFd root(::open((dir / "root").c_str(), O_RDONLY | O_DIRECTORY));
  ASSERT_TRUE(root.valid());
  using Open = posix::UniqueFd (*)(int, std::string_view, int, mode_t);
  for (const Open open : {Open{&posix::open_beneath}, Open{&posix::open_beneath_by_walk}}) {
    EXPECT_TRUE(open(root.get(), "a/b/file", O_RDONLY, 0).valid());
    EXPECT_TRUE(open(root.get(), "a/b", O_RDONLY | O_DIRECTORY, 0).valid());
    EXPECT_TRUE(open(root.get(), "", O_RDONLY | O_DIRECTORY, 0).valid());
    const auto error_of = [&](std::string_view path, int flags) {
      const posix::UniqueFd fd = open(root.get(), path, flags, 0);
      return fd.valid() ? 0 : errno;
    };
    EXPECT_EQ(error_of("dirlink/b/file", O_RDONLY), ELOOP);
    EXPECT_EQ(error_of("dirlink", O_RDONLY | O_DIRECTORY), ELOOP);
    EXPECT_EQ(error_of("dirlink/b", O_PATH | O_DIRECTORY), ELOOP);
    EXPECT_EQ(error_of("a/filelink", O_RDONLY), ELOOP);
    EXPECT_EQ(error_of("a/b/file/x", O_RDONLY), ENOTDIR);
    EXPECT_EQ(error_of("a/missing/x", O_RDONLY), ENOENT);
  }
  struct stat st;
  EXPECT_EQ(posix::stat_beneath(root.get(), "a/filelink", st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(posix::stat_beneath(root.get(), "dirlink/b", st), ELOOP);
  EXPECT_EQ(posix::first_non_directory(root.get(), "dirlink/b/file", st), "dirlink");
  EXPECT_EQ(posix::file_type_name(st.st_mode), "a symbolic link");
}

// list_pages walks the tree a directory at a time and hands over bounded pages.
TEST(FileStorageTest, ListPagesAreBounded) {
  constexpr int kDirs = 3;
  constexpr int kFilesPerDir = 900;
  TempDir dir;
  for (int d = 0; d < kDirs; ++d) {
    const std::string sub = dir / ("data/d" + std::to_string(d));
    fs::create_directories(sub);
    for (int f = 0; f < kFilesPerDir; ++f) create_file(sub + "/f" + std::to_string(f));
  }
  auto storage = StorageRegistry::open(dir.path());
  std::size_t total = 0;
  std::vector<std::size_t> sizes;
  storage->list_pages("data/", [&](std::vector<ObjectInfo>& page) {
    sizes.push_back(page.size());
    total += page.size();
  });
  EXPECT_EQ(total, static_cast<std::size_t>(kDirs * kFilesPerDir));
  EXPECT_EQ(sizes.size(), 3u);
  for (const std::size_t size : sizes) EXPECT_LE(size, Storage::kListPageSize);
}

// Point 11 of the integrity issue: the decision is a function of statfs' f_type, so the
// refusal is tested without mounting NFS.
TEST(FileStorageTest, NetworkFileSystemsAreRefusedForWriting) {
  using file_fs::unsupported_filesystem;
  EXPECT_EQ(unsupported_filesystem(0x6969), "NFS");
  // cifs (also sign-extended, as a 32-bit f_type gives it), smb3, smbfs, OpenAFS, kAFS.
  for (const std::uint64_t refused : {0xFF534D42ULL, 0xFFFFFFFFFF534D42ULL, 0xFE534D42ULL,
                                      0x517BULL, 0x5346414FULL, 0x6B414653ULL}) {
    EXPECT_TRUE(unsupported_filesystem(refused).has_value()) << std::hex << refused;
  }
  // ext4, xfs, btrfs, tmpfs, overlayfs, ceph, gpfs, fuse, zfs.
  for (const std::uint64_t supported :
       {0xEF53ULL, 0x58465342ULL, 0x9123683EULL, 0x01021994ULL, 0x794C7630ULL, 0x00C36400ULL,
        0x47504653ULL, 0x65735546ULL, 0x2FC12FC1ULL}) {
    EXPECT_EQ(unsupported_filesystem(supported), std::nullopt) << std::hex << supported;
  }
  const std::string message =
      file_fs::unsupported_filesystem_message("NFS", "/mnt/team/cache/meta", "/mnt/team/cache");
  for (const char* part : {"NFS", "'/mnt/team/cache'", "object store", "s3://", "local"}) {
    EXPECT_NE(message.find(part), std::string::npos) << part << " in " << message;
  }
  // The file system of the test's own temp directory is one the driver writes to.
  TempDir dir;
  const int fd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  EXPECT_NO_THROW(file_fs::check_writable(fd, dir.path(), dir.path()));
  ::close(fd);
}

// `nuthatch gc` finds stale temp files with list_temp_files and removes them with
// remove_temp, neither following a link.
TEST(FileStorageTest, TempFilesAreListedAndRemovedWithoutFollowingLinks) {
  TempDir dir;
  const std::string temp = std::string(FileStorage::kTempPrefix);
  fs::create_directories(dir / "outside/sub");
  create_file(dir / ("outside/" + temp + "bait"), "not ours");
  create_file(dir / "outside/sub/precious", "precious");
  auto storage = std::make_shared<FileStorage>(dir / "root", FileStorage::Options{});
  storage->write("d/object", "o");
  storage->write("e/x/object", "o");
  create_file(dir / ("root/d/" + temp + "file"), "partial");
  fs::create_directories(dir / ("root/e/" + temp + "tree/inner"));
  create_file(dir / ("root/e/" + temp + "tree/inner/chunk"), "c");
  fs::create_directory_symlink(dir / "outside", dir / ("root/e/" + temp + "link"));
  fs::create_directory_symlink(dir / "outside", dir / "root/linked");  // not entered

  std::map<std::string, FileStorage::TempEntry> found;
  storage->list_temp_files([&](const FileStorage::TempEntry& e) { found.emplace(e.path, e); });
  ASSERT_EQ(found.size(), 3u);
  const auto& file = found.at("d/" + temp + "file");
  EXPECT_FALSE(file.is_directory);
  EXPECT_EQ(file.size, 7u);
  EXPECT_GT(file.mtime_ns, 0);
  EXPECT_TRUE(found.at("e/" + temp + "tree").is_directory);
  EXPECT_FALSE(found.at("e/" + temp + "link").is_directory);  // the link, not its target

  EXPECT_THROW(storage->remove_temp("d/object"), StorageError);  // not a temp name
  EXPECT_THROW(storage->remove_temp("../" + temp + "x"), StorageError);
  for (const auto& [path, entry] : found) EXPECT_TRUE(storage->remove_temp(path)) << path;
  EXPECT_FALSE(storage->remove_temp("d/" + temp + "file"));       // already gone
  EXPECT_FALSE(storage->remove_temp("linked/" + temp + "bait"));  // under a link
  found.clear();
  storage->list_temp_files([&](const FileStorage::TempEntry& e) { found.emplace(e.path, e); });
  EXPECT_TRUE(found.empty());
  EXPECT_TRUE(fs::exists(dir / ("outside/" + temp + "bait")));
  EXPECT_EQ(entries_of(dir / "outside/sub"), std::vector<std::string>{"precious"});
  EXPECT_EQ(storage->read("d/object"), "o");
  EXPECT_EQ(storage->read("e/x/object"), "o");
  EXPECT_EQ(entries_of(dir / "root/e"), std::vector<std::string>{"x"});
}

}  // namespace
}  // namespace nuthatch
