// Kills a writing process at random moments while another process reads the same key:
// every read is the old value, the new one, or a miss; never an error or torn data. The
// same for a multi-chunk zarr entry: a killed writer of a dataset never yields a readable
// mix of two entries or fill values, and what it leaves behind (partial payloads, retired
// payloads) is reclaimed by gc without touching the current entry.
// Also: two processes writing one key at once end with one complete entry.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "cli/run_cli.hpp"
#include "meta/entry_store.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"
#include "tools/crash_value.hpp"

namespace nh = nuthatch;
namespace fs = std::filesystem;

namespace {

constexpr int kKills = 200;
constexpr int kMinKills = 50;
constexpr int kZarrKills = 50;
constexpr int kMinZarrKills = 20;
// Past this, the kill loops stop once they reached their minimum (slow machines, sanitizers).
constexpr std::chrono::seconds kKillPhase{25};

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

std::string tool(const std::string& name) {
  return std::string(NUTHATCH_TEST_TOOLS_DIR) + "/" + name;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The number after `name=` in the reader's summary line, or -1.
long summary_count(const std::string& summary, const std::string& name) {
  const auto at = summary.find(name + "=");
  return at == std::string::npos ? -1 : std::stol(summary.substr(at + name.size() + 1));
}

// Payloads under data/<ns>/<key>/ (files, or directories holding at least one file for
// tree payloads: an empty directory is no object), relative to the location.
std::set<std::string> payloads_of(const fs::path& location, const std::string& key) {
  std::set<std::string> out;
  const fs::path dir = location / "data" / "_" / key;
  if (!fs::exists(dir)) return out;
  for (auto& e : fs::directory_iterator(dir)) {
    bool holds_files = e.is_regular_file();
    if (e.is_directory()) {
      for (auto& inner : fs::recursive_directory_iterator(e.path())) {
        if (inner.is_regular_file()) holds_files = true;
      }
    }
    if (holds_files) out.insert(fs::relative(e.path(), location).generic_string());
  }
  return out;
}

// Kills and reaps, when the test ends however it ends, the processes not waited for yet.
class Children {
 public:
  Children() = default;
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;
  ~Children() {
    for (pid_t pid : running_) {
      kill(pid, SIGKILL);
      wait_exit(pid);
    }
  }
  pid_t start(const std::vector<std::string>& argv, const std::string& out_file = "/dev/null") {
    const pid_t pid = spawn(argv, out_file);
    running_.insert(pid);
    return pid;
  }
  int wait(pid_t pid) {
    running_.erase(pid);
    return wait_exit(pid);
  }

 private:
  std::set<pid_t> running_;
};

ino_t inode_of(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

// How long `argv` takes to run to completion (it must exit 0).
std::chrono::microseconds time_run(const std::vector<std::string>& argv) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(wait_exit(spawn(argv)), 0) << argv[0];
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

TEST(CrashTest, SigkilledWriterNeverTearsAnEntry) {
  nh::testing::TempProject project;
  std::string root = project.root().string();
  fs::path stop = project.dir() / "stop";
  fs::path reader_out = project.dir() / "reader.out";
  // Kill delays from 0.5 ms to past the writer's start-up and a few commits (timed on a
  // scratch root, as start-up is much slower under sanitizers or load), so some writers
  // commit before they die and others die at every step of a commit.
  const std::string scratch = (project.dir() / "timing").string();
  const auto startup = time_run({tool("nh_crash_writer"), scratch, "0", "0"});
  const auto commits = time_run({tool("nh_crash_writer"), scratch, "20", "0"});
  const auto commit = std::max((commits - startup) / 20, std::chrono::microseconds(100));
  const std::int64_t longest = std::max<std::int64_t>(25000, (startup + 4 * commit).count());
  pid_t reader = spawn({tool("nh_crash_reader"), root, stop.string()}, reader_out.string());
  std::mt19937 rng(12345);
  std::uniform_int_distribution<std::int64_t> delay_us(500, longest);
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0;
       i < kKills && (i < kMinKills || std::chrono::steady_clock::now() - started < kKillPhase);
       ++i) {
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

TEST(CrashTest, SigkilledZarrWriterNeverYieldsAMix) {
  nh::testing::TempProject project;
  Children children;
  const std::string root = project.root().string();
  const nh::testing::CrashDatasetShape& shape = nh::testing::kCrashDataset;
  // Committed entries (stamps 1 to 3) first: from here on the key always has an entry, so a
  // read with no writer running must be a hit.
  const auto startup = time_run({tool("nh_crash_writer"), root, "0", "0", "zarr"});
  const auto three_writes = time_run({tool("nh_crash_writer"), root, "3", "1", "zarr"});
  ASSERT_FALSE(::testing::Test::HasFailure());
  const auto commit = std::max((three_writes - startup) / 3, std::chrono::microseconds(1000));
  const fs::path manifest = project.root() / "meta" / "_" / "crash_zarr" / "zarr.json";

  fs::path stop = project.dir() / "stop";
  fs::path reader_out = project.dir() / "reader.out";
  pid_t reader =
      children.start({tool("nh_crash_reader"), root, stop.string(), "zarr"}, reader_out.string());

  bool missed = false;
  auto read_here = nh::cache("crash_zarr", {}, {}, [&] {
    missed = true;
    return nh::Dataset{};
  });
  // Each writer is killed after it has committed 0, 1 or 2 entries (watched through the
  // manifest: every commit renames a new file over it), plus a random delay of up to about
  // one commit (timed above; slower under sanitizers or load): so kills land during
  // start-up, chunk writes, the manifest swap and retirement, whatever the machine's speed.
  std::mt19937 rng(4242);
  std::uniform_int_distribution<int> commits_before_kill(0, 2);
  std::uniform_int_distribution<std::int64_t> delay_us(0, startup.count() + commit.count());
  std::int64_t last_stamp = 3;
  std::set<std::int64_t> stamps_here{3};
  const auto started = std::chrono::steady_clock::now();
  int kills = 0;
  for (; kills < kZarrKills &&
         (kills < kMinZarrKills || std::chrono::steady_clock::now() - started < kKillPhase);
       ++kills) {
    const int i = kills;
    pid_t writer = children.start(
        {tool("nh_crash_writer"), root, "-1", std::to_string((i + 1) * 100000), "zarr"});
    for (int wanted = commits_before_kill(rng), seen = 0; seen < wanted;) {
      const auto before = fs::last_write_time(manifest);
      const ino_t inode = inode_of(manifest);
      const auto waited = std::chrono::steady_clock::now();
      while (inode_of(manifest) == inode && fs::last_write_time(manifest) == before) {
        ASSERT_LT(std::chrono::steady_clock::now() - waited, std::chrono::seconds(20))
            << "writer " << i << " committed nothing in 20 s";
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      ++seen;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    kill(writer, SIGKILL);
    ASSERT_EQ(children.wait(writer), -SIGKILL) << "writer " << i << " ended before it was killed";

    // With no writer running, the entry is whole: the last committed one, never older.
    missed = false;
    nh::Dataset d = read_here.with({.cache_mode = nh::CacheMode::read_only})();
    ASSERT_FALSE(missed) << "after kill " << i << ": the committed entry reads as a miss";
    nh::testing::CrashDatasetCheck check = nh::testing::check_crash_dataset(d, shape);
    ASSERT_EQ(check.problem, "") << "after kill " << i;
    ASSERT_GE(check.stamp, last_stamp) << "after kill " << i << ": an older entry came back";
    last_stamp = check.stamp;
    stamps_here.insert(check.stamp);
  }
  RecordProperty("kills", kills);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  std::ofstream(stop).put('x');
  EXPECT_EQ(children.wait(reader), 0) << read_file(reader_out);
  const std::string summary = read_file(reader_out);
  EXPECT_GT(summary_count(summary, "hits"), 0) << summary;
  // Some writers committed before they were killed (so the reader raced real swaps).
  EXPECT_GT(stamps_here.size(), 1u);

  // Killed writers left partial payloads that no manifest names and no marker retires.
  nh::EntryStore store(nh::StorageRegistry::open(root), "root");
  auto rec = store.find("_", "crash_zarr", "zarr");
  ASSERT_TRUE(rec);
  int retired = 0, orphans = 0;
  for (const std::string& p : payloads_of(project.root(), "crash_zarr")) {
    if (p == rec->manifest.payload) continue;
    if (fs::exists(project.root() / nh::retirement_marker_path(p))) {
      ++retired;
    } else {
      ++orphans;
    }
  }
  const std::string stats =
      summary + "entries committed: " + std::to_string(stamps_here.size()) +
      ", retired payloads: " + std::to_string(retired) +
      ", partial payloads: " + std::to_string(orphans) + ", kills: " + std::to_string(kills) +
      " in " +
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()) +
      " ms (writer start-up " + std::to_string(startup.count() / 1000) + " ms, one commit " +
      std::to_string(commit.count() / 1000) + " ms)\n";
  RecordProperty("zarr", stats);
  std::cout << "zarr: " << stats;

  // gc reclaims all of it and never the current entry, which still reads back whole.
  nh::testing::CliResult gc = nh::testing::run_cli({"gc", "--grace", "0s", "--force"});
  EXPECT_EQ(gc.status, 0) << gc.err;
  EXPECT_EQ(payloads_of(project.root(), "crash_zarr"),
            std::set<std::string>{rec->manifest.payload});
  missed = false;
  nh::Dataset after_gc = read_here.with({.cache_mode = nh::CacheMode::read_only})();
  ASSERT_FALSE(missed);
  nh::testing::CrashDatasetCheck check = nh::testing::check_crash_dataset(after_gc, shape);
  EXPECT_EQ(check.problem, "");
  EXPECT_EQ(check.stamp, last_stamp);
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
  // Every payload but the current one was retired after its swap (kept for readers that
  // opened it, with a marker for gc), or deleted at once when its swap lost the race.
  for (const std::string& p : payloads_of(project.root(), "crash_key")) {
    if (p == rec->manifest.payload) continue;
    EXPECT_TRUE(fs::exists(project.root() / nh::retirement_marker_path(p))) << p;
  }
  EXPECT_EQ(store.list().size(), 1u);
  // gc leaves the current payload alone.
  nh::testing::CliResult gc = nh::testing::run_cli({"gc", "--grace", "0s", "--force"});
  EXPECT_EQ(gc.status, 0) << gc.err;
  std::set<std::string> left = payloads_of(project.root(), "crash_key");
  if (rec->manifest.payload.empty()) {
    EXPECT_TRUE(left.empty());
  } else {
    EXPECT_EQ(left, std::set<std::string>{rec->manifest.payload});
  }
}

}  // namespace
