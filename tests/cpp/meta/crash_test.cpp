// Kills a writing process at random moments while another process reads the same key:
// every read is the old value, the new one, or a miss; never an error or torn data.
// Also: two processes writing one key at once end with one complete entry.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "meta/entry_store.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"
#include "tools/crash_value.hpp"

namespace nh = nuthatch;
namespace fs = std::filesystem;

namespace {

constexpr int kKills = 200;

pid_t spawn(const std::vector<std::string>& argv, const std::string& out_file = "/dev/null") {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    FILE* out = std::freopen(out_file.c_str(), "w", stdout);
    (void)out;
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

std::string tool(const std::string& name) { return std::string(NUTHATCH_TEST_TOOLS_DIR) + "/" + name; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(CrashTest, SigkilledWriterNeverTearsAnEntry) {
  nh::testing::TempProject project;
  std::string root = project.root().string();
  fs::path stop = project.dir() / "stop";
  fs::path reader_out = project.dir() / "reader.out";
  pid_t reader = spawn({tool("nh_crash_reader"), root, stop.string()}, reader_out.string());
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> delay_us(500, 25000);
  for (int i = 0; i < kKills; ++i) {
    pid_t writer = spawn({tool("nh_crash_writer"), root, "-1", std::to_string(i * 100000)});
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    kill(writer, SIGKILL);
    wait_exit(writer);
  }
  std::ofstream(stop).put('x');
  EXPECT_EQ(wait_exit(reader), 0) << read_file(reader_out);
  std::string summary = read_file(reader_out);
  EXPECT_NE(summary.find("hits="), std::string::npos) << summary;
  RecordProperty("reader", summary);
  std::cout << "reader: " << summary;

  // What is left reads back whole (or is absent), in this process too.
  nh::EntryStore store(nh::StorageRegistry::open(root), "root");
  if (auto rec = store.find("_", "crash_key", "basic")) {
    auto value = store.read(*rec, nh::CodecRegistry::get("basic"), nh::Value::object());
    ASSERT_TRUE(value.has_value());
    auto v = nh::codec<std::vector<std::int64_t>>::decode(value->as<nh::Value>());
    EXPECT_TRUE(nh::testing::crash_value_ok(v));
  }
}

TEST(CrashTest, TwoProcessesWritingOneKeyLeaveOneCompleteEntry) {
  nh::testing::TempProject project;
  std::string root = project.root().string();
  pid_t a = spawn({tool("nh_crash_writer"), root, "60", "1"});
  pid_t b = spawn({tool("nh_crash_writer"), root, "60", "5000"});
  EXPECT_EQ(wait_exit(a), 0);
  EXPECT_EQ(wait_exit(b), 0);
  nh::EntryStore store(nh::StorageRegistry::open(root), "root");
  auto rec = store.find("_", "crash_key", "basic");
  ASSERT_TRUE(rec);
  auto value = store.read(*rec, nh::CodecRegistry::get("basic"), nh::Value::object());
  ASSERT_TRUE(value);
  EXPECT_TRUE(nh::testing::crash_value_ok(
      nh::codec<std::vector<std::int64_t>>::decode(value->as<nh::Value>())));
  // Every payload but the current one was removed after its swap.
  int payloads = 0;
  if (fs::exists(project.root() / "data")) {
    for (auto& e : fs::recursive_directory_iterator(project.root() / "data")) {
      if (e.is_regular_file()) ++payloads;
    }
  }
  EXPECT_EQ(payloads, rec->manifest.payload.empty() ? 0 : 1);
  EXPECT_EQ(store.list().size(), 1u);
}

}  // namespace
