// The file driver on a hostile shared root (point 2 of the integrity issue): symbolic
// links below the root are never followed, and FIFOs, sockets and devices never block a
// call. Each scenario runs in a child process with a time limit, so a hang or a crash
// fails it instead of the test program.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "integrity/isolated.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"
#include "storage/file/file_storage.hpp"
#include "storage/file/posix_io.hpp"
#include "storage/temp_dir.hpp"

namespace nuthatch {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::TempDir;

constexpr auto kScenarioTimeout = 20s;

void create_file(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> paths_of(const std::vector<ObjectInfo>& infos) {
  std::vector<std::string> paths;
  for (const auto& info : infos) paths.push_back(info.path);
  std::sort(paths.begin(), paths.end());
  return paths;
}

// Runs `call` and checks that it throws a StorageError whose message holds every part.
void expect_storage_error(const std::function<void()>& call,
                          const std::vector<std::string>& parts) {
  try {
    call();
    ADD_FAILURE() << "expected a StorageError";
  } catch (const StorageError& e) {
    const std::string message = e.what();
    for (const auto& part : parts) {
      EXPECT_NE(message.find(part), std::string::npos) << part << " not in: " << message;
    }
  }
}

// A root with one entry, `outside/`, next to it: a directory the store must never touch.
struct Scene {
  TempDir dir;
  std::string root = dir / "root";
  std::string outside = dir / "outside";
  StoragePtr storage;

  Scene() {
    fs::create_directories(outside + "/sub");
    create_file(outside + "/victim.json", "outside");
    create_file(outside + "/sub/chunk", "outside chunk");
    storage = StorageRegistry::open(root, Value::object({{"fsync", false}}));
    storage->write("meta/_/k/basic.json", "{}");
    storage->write("data/_/k/basic-1.msgpack", "payload");
  }
  void expect_outside_intact() const {
    EXPECT_EQ(contents(outside + "/victim.json"), "outside");
    EXPECT_EQ(contents(outside + "/sub/chunk"), "outside chunk");
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(outside)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"sub", "victim.json"}));
  }
};

// A payload directory replaced by a link to a directory outside the root: reads, lists,
// writes, removes and remove_prefix never reach what it points to.
TEST(FileAdversarialTest, SymlinkedDirectoryBelowTheRootIsNeverFollowed) {
  EXPECT_ISOLATED_PASS(
      [] {
        Scene scene;
        Storage& s = *scene.storage;
        fs::create_directory_symlink(scene.outside, scene.root + "/data/_/evil.zarr");
        EXPECT_EQ(s.read("data/_/evil.zarr/victim.json"), std::nullopt);
        EXPECT_EQ(s.read_versioned("data/_/evil.zarr/victim.json"), std::nullopt);
        EXPECT_EQ(s.stat("data/_/evil.zarr/victim.json"), std::nullopt);
        EXPECT_EQ(s.stat("data/_/evil.zarr"), std::nullopt);
        EXPECT_TRUE(s.list("data/_/evil.zarr/").empty());
        EXPECT_EQ(paths_of(s.list("")),
                  (std::vector<std::string>{"data/_/k/basic-1.msgpack", "meta/_/k/basic.json"}));
        std::size_t streamed = 0;
        s.list_pages("data/", [&](std::vector<ObjectInfo>& page) { streamed += page.size(); });
        EXPECT_EQ(streamed, 1u);
        expect_storage_error([&] { s.write("data/_/evil.zarr/victim.json", "overwritten"); },
                             {"data/_/evil.zarr/victim.json", scene.root, "symbolic link"});
        expect_storage_error(
            [&] { s.write_if("data/_/evil.zarr/new", "x", WriteCondition::if_absent()); },
            {"symbolic link", scene.root + "/data/_/evil.zarr"});
        s.remove({"data/_/evil.zarr/victim.json", "data/_/evil.zarr/sub/chunk"});
        EXPECT_EQ(s.remove_prefix("data/_/evil.zarr/"), 0u);
        scene.expect_outside_intact();
        // The link itself is an entry of the root: remove_prefix of its parent unlinks it.
        EXPECT_EQ(s.remove_prefix("data/_/"), 1u);  // the payload, not the link's contents
        EXPECT_FALSE(fs::exists(fs::symlink_status(scene.root + "/data/_/evil.zarr")));
        scene.expect_outside_intact();
      },
      {.timeout = kScenarioTimeout});
}

// A link higher up (the whole `data/` tree) is no different.
TEST(FileAdversarialTest, SymlinkedTopLevelDirectoryIsNeverFollowed) {
  EXPECT_ISOLATED_PASS(
      [] {
        Scene scene;
        Storage& s = *scene.storage;
        fs::remove_all(scene.root + "/data");
        fs::create_directory_symlink(scene.outside, scene.root + "/data");
        EXPECT_EQ(s.read("data/victim.json"), std::nullopt);
        EXPECT_EQ(paths_of(s.list("")), std::vector<std::string>{"meta/_/k/basic.json"});
        EXPECT_TRUE(s.list("data/").empty());
        EXPECT_THROW(s.write("data/sub/chunk", "x"), StorageError);
        s.remove({"data/victim.json"});
        EXPECT_EQ(s.remove_prefix("data/"), 0u);
        EXPECT_EQ(s.remove_prefix("data/sub/"), 0u);
        scene.expect_outside_intact();
        EXPECT_EQ(s.remove_prefix(""), 1u);  // the manifest; the link is unlinked, not entered
        scene.expect_outside_intact();
      },
      {.timeout = kScenarioTimeout});
}

// A key that is a link to a file outside: no object to read or list; a write replaces
// the link itself; a remove unlinks the link; the target is never written or removed.
TEST(FileAdversarialTest, SymlinkedFileIsNotAnObject) {
  EXPECT_ISOLATED_PASS(
      [] {
        Scene scene;
        Storage& s = *scene.storage;
        const std::string manifest = scene.root + "/meta/_/k/basic.json";
        fs::remove(manifest);
        fs::create_symlink(scene.outside + "/victim.json", manifest);
        EXPECT_EQ(s.read("meta/_/k/basic.json"), std::nullopt);
        EXPECT_EQ(s.stat("meta/_/k/basic.json"), std::nullopt);
        EXPECT_TRUE(s.list("meta/").empty());
        EXPECT_TRUE(s.write_if("meta/_/k/basic.json", "{\"new\":1}", WriteCondition::if_absent()));
        EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(manifest)));
        EXPECT_EQ(s.read("meta/_/k/basic.json"), "{\"new\":1}");
        scene.expect_outside_intact();
        fs::remove(manifest);
        fs::create_symlink(scene.outside + "/victim.json", manifest);
        s.remove({"meta/_/k/basic.json"});
        EXPECT_FALSE(fs::exists(fs::symlink_status(manifest)));
        scene.expect_outside_intact();
      },
      {.timeout = kScenarioTimeout});
}

// Removing the last key of a directory prunes empty directories, but never through a
// link: a link in place of an emptied directory, to an empty directory outside, stays.
TEST(FileAdversarialTest, PruningNeverRemovesThroughALink) {
  EXPECT_ISOLATED_PASS(
      [] {
        Scene scene;
        Storage& s = *scene.storage;
        fs::create_directories(scene.outside + "/empty");
        fs::create_directory_symlink(scene.outside + "/empty", scene.root + "/data/_/k/linked");
        s.remove({"data/_/k/linked/anything", "data/_/k/basic-1.msgpack"});
        EXPECT_TRUE(fs::is_directory(scene.outside + "/empty"));
        EXPECT_TRUE(fs::is_symlink(scene.root + "/data/_/k/linked"));
        s.remove_prefix("data/_/k/linked/");
        EXPECT_TRUE(fs::is_directory(scene.outside + "/empty"));
      },
      {.timeout = kScenarioTimeout});
}

// A FIFO at a manifest path: nothing blocks; reads, stats and writes fail with an error
// naming the key, the location and the file type; listings skip it; remove unlinks it.
TEST(FileAdversarialTest, FifoAtAKeyNeverBlocks) {
  EXPECT_ISOLATED_PASS(
      [] {
        Scene scene;
        Storage& s = *scene.storage;
        const std::string key = "meta/_/fifo/basic.json";
        fs::create_directories(scene.root + "/meta/_/fifo");
        ASSERT_EQ(::mkfifo((scene.root + "/" + key).c_str(), 0666), 0);
        const std::vector<std::string> parts = {key, scene.root, "is a FIFO, not a regular file"};
        expect_storage_error([&] { s.read(key); }, parts);
        expect_storage_error([&] { s.read(key, {.offset = 1, .length = 2}); }, parts);
        expect_storage_error([&] { s.read_versioned(key); }, parts);
        expect_storage_error([&] { s.stat(key); }, parts);
        expect_storage_error([&] { s.write_if(key, "{}", WriteCondition::if_absent()); }, parts);
        expect_storage_error([&] { s.write_if(key, "{}", WriteCondition::if_generation("1-2-3")); },
                             parts);
        EXPECT_EQ(paths_of(s.list("meta/")), std::vector<std::string>{"meta/_/k/basic.json"});
        // A FIFO where a directory of keys is needed.
        expect_storage_error([&] { s.write(key + "/below", "x"); }, {"is a FIFO"});
        EXPECT_EQ(s.read(key + "/below"), std::nullopt);
        s.remove({key});
        EXPECT_FALSE(fs::exists(fs::symlink_status(scene.root + "/" + key)));
        EXPECT_TRUE(s.write_if(key, "{}", WriteCondition::if_absent()));  // the key works again
        EXPECT_EQ(s.read(key), "{}");
      },
      {.timeout = kScenarioTimeout});
}

// The same for a FIFO that a link points to, and for remove_prefix over FIFOs.
TEST(FileAdversarialTest, FifoBehindALinkAndUnderAPrefix) {
  EXPECT_ISOLATED_PASS(
      [] {
        Scene scene;
        Storage& s = *scene.storage;
        ASSERT_EQ(::mkfifo((scene.outside + "/pipe").c_str(), 0666), 0);
        fs::create_symlink(scene.outside + "/pipe", scene.root + "/data/_/k/link");
        EXPECT_EQ(s.read("data/_/k/link"), std::nullopt);
        fs::create_directories(scene.root + "/data/_/p.zarr");
        ASSERT_EQ(::mkfifo((scene.root + "/data/_/p.zarr/0.0").c_str(), 0666), 0);
        EXPECT_EQ(paths_of(s.list("data/")), std::vector<std::string>{"data/_/k/basic-1.msgpack"});
        EXPECT_EQ(s.remove_prefix("data/_/p.zarr/"), 0u);  // unlinked, but no object
        EXPECT_FALSE(fs::exists(fs::symlink_status(scene.root + "/data/_/p.zarr")));
        EXPECT_TRUE(fs::exists(fs::symlink_status(scene.outside + "/pipe")));
      },
      {.timeout = kScenarioTimeout});
}

// A Unix socket at a key (open() fails with ENXIO there): named as a socket.
TEST(FileAdversarialTest, SocketAtAKeyIsRefused) {
  EXPECT_ISOLATED_PASS(
      [] {
        Scene scene;
        Storage& s = *scene.storage;
        const std::string key = "meta/_/k/socket.json";
        const std::string path = scene.root + "/" + key;
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        ASSERT_LT(path.size(), sizeof address.sun_path);
        std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
        const posix::UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM, 0));
        ASSERT_TRUE(sock.valid());
        ASSERT_EQ(::bind(sock.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address),
                  0);
        const std::vector<std::string> parts = {key, scene.root, "is a socket, not a regular file"};
        expect_storage_error([&] { s.read(key); }, parts);
        expect_storage_error([&] { s.stat(key); }, parts);
        expect_storage_error([&] { s.write_if(key, "x", WriteCondition::if_absent()); }, parts);
        EXPECT_EQ(paths_of(s.list("meta/")), std::vector<std::string>{"meta/_/k/basic.json"});
        s.remove({key});
        EXPECT_FALSE(fs::exists(fs::symlink_status(path)));
      },
      {.timeout = kScenarioTimeout});
}

// A character device at a key (only where the test may create one: root with CAP_MKNOD).
TEST(FileAdversarialTest, DeviceAtAKeyIsRefused) {
  EXPECT_ISOLATED_PASS(
      [] {
        Scene scene;
        const std::string key = "data/_/k/device";
        const std::string path = scene.root + "/" + key;
        if (::mknod(path.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) != 0) {  // like /dev/null
          GTEST_SKIP() << "cannot create a device node here";
        }
        expect_storage_error([&] { scene.storage->read(key); },
                             {key, "is a character device, not a regular file"});
        EXPECT_EQ(paths_of(scene.storage->list("data/")),
                  std::vector<std::string>{"data/_/k/basic-1.msgpack"});
      },
      {.timeout = kScenarioTimeout});
}

}  // namespace
}  // namespace nuthatch
