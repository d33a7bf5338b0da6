// An eager reader racing writers in other processes: every read of a multi-chunk zarr
// entry is entirely one committed value (here every element equals one stamp), never a
// mix of two entries and never fill values, while another process overwrites the entry
// over and over (cache_mode overwrite, recompute) — and still when `nuthatch gc` with no
// grace reclaims the replaced payloads under the reader, where a read may also be a miss.
// Each scenario runs in a child process with a time limit (isolated.hpp); the writer is
// the crash test's tool (tests/cpp/tools/nh_crash_writer.cpp, kind zarr-race).

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/run_cli.hpp"
#include "common/log.hpp"
#include "integrity/isolated.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"
#include "tools/crash_value.hpp"

namespace nh = nuthatch;

namespace {

constexpr std::chrono::seconds kScenarioTime{60};
constexpr std::chrono::seconds kRaceTime{3};
constexpr int kWrites = 40;  // stamps 2 .. kWrites + 1 over the initial stamp 1

// Starts `argv` (a program path and its arguments) with stdout and stdin on /dev/null.
pid_t spawn(const std::vector<std::string>& argv) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (std::freopen("/dev/null", "w", stdout) == nullptr) ::_exit(126);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

// The exit status of `pid`, minus the signal that killed it; std::nullopt while it runs.
std::optional<int> try_wait(pid_t pid, bool block) {
  int status = 0;
  const pid_t done = ::waitpid(pid, &status, block ? 0 : WNOHANG);
  if (done != pid) return std::nullopt;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

std::vector<std::string> writer(const std::string& root, int count, std::int64_t first_stamp) {
  return {std::string(NUTHATCH_TEST_TOOLS_DIR) + "/nh_crash_writer", root, std::to_string(count),
          std::to_string(first_stamp), "zarr-race"};
}

struct RaceTally {
  long reads = 0;
  long misses = 0;
  std::set<std::int64_t> stamps;
  std::string text() const {
    return "reads=" + std::to_string(reads) + " misses=" + std::to_string(misses) +
           " distinct values=" + std::to_string(stamps.size());
  }
};

// Reads the entry eagerly (read_only mode) while `writer_pid` runs, for at most kRaceTime,
// calling `between` after each read; then stops the writer. Every read must be a whole
// committed value, no older than the one before; a miss is counted (and fails the race
// unless `gc_runs`: gc at no grace may remove chunks of the entry being committed).
RaceTally read_while_writing(pid_t writer_pid, bool gc_runs,
                             const std::function<void()>& between = {}) {
  const bool misses_allowed = gc_runs;
  const nh::testing::CrashDatasetShape& shape = nh::testing::kRaceDataset;
  bool missed = false;
  auto entry = nh::cache("crash_race", {}, {}, [&] {
    missed = true;
    return nh::Dataset{};
  });
  RaceTally tally;
  std::int64_t last = 0;
  std::optional<int> writer_status;
  const auto deadline = std::chrono::steady_clock::now() + kRaceTime;
  while (!writer_status && std::chrono::steady_clock::now() < deadline) {
    missed = false;
    nh::Dataset d = entry.with({.cache_mode = nh::CacheMode::read_only})();
    ++tally.reads;
    if (missed) {
      ++tally.misses;
      EXPECT_TRUE(misses_allowed) << "read " << tally.reads << " missed a committed entry";
    } else {
      const nh::testing::CrashDatasetCheck check = nh::testing::check_crash_dataset(d, shape);
      EXPECT_EQ(check.problem, "") << "read " << tally.reads << " is not one committed value";
      EXPECT_GE(check.stamp, 1);
      EXPECT_LE(check.stamp, kWrites + 1);
      EXPECT_GE(check.stamp, last) << "read " << tally.reads << " went back to an older entry";
      if (!check.problem.empty() || check.stamp < last) break;
      last = check.stamp;
      tally.stamps.insert(check.stamp);
    }
    if (between) between();
    writer_status = try_wait(writer_pid, false);
  }
  if (!writer_status) {  // still writing after kRaceTime: the race is over
    ::kill(writer_pid, SIGKILL);
    writer_status = try_wait(writer_pid, true);
  }
  // With gc at no grace, a write can fail: gc may take the payload being written for an
  // orphan (status 3). Nothing else may end the writer.
  EXPECT_TRUE(*writer_status == 0 || *writer_status == -SIGKILL || (gc_runs && *writer_status == 3))
      << "the writer ended with status " << *writer_status;
  return tally;
}

TEST(RaceAdversarial, EagerReaderSeesOneWholeValueWhileAnotherProcessOverwrites) {
  EXPECT_ISOLATED_PASS(
      [] {
        nh::testing::TempProject project;
        const std::string root = project.root().string();
        std::optional<int> first = try_wait(spawn(writer(root, 1, 1)), true);
        ASSERT_EQ(first, 0) << "the first write failed";
        // Replaced payloads are retired, not deleted: a read that opened one finishes it, and
        // the key always has a committed entry, so every read is a hit.
        RaceTally tally = read_while_writing(spawn(writer(root, kWrites, 2)), false);
        std::cout << "eager reader vs overwrite: " << tally.text() << "\n";
        EXPECT_GT(tally.reads, 1);
        EXPECT_GT(tally.stamps.size(), 1u) << "the reader never saw an overwrite land";
      },
      {.timeout = kScenarioTime});
}

TEST(RaceAdversarial, EagerReaderSeesOneWholeValueOrAMissWhileGcReclaimsUnderIt) {
  EXPECT_ISOLATED_PASS(
      [] {
        nh::testing::TempProject project;
        nh::log::set_capture(true);  // the misses' warnings
        const std::string root = project.root().string();
        std::optional<int> first = try_wait(spawn(writer(root, 1, 1)), true);
        ASSERT_EQ(first, 0) << "the first write failed";
        // Between reads, gc with no grace removes the payloads the writer retired, possibly the
        // one the next read opens: that read follows the new manifest or is a miss, never
        // fill values (the entry's payload held every chunk, so a missing one is damage).
        // One gc at a time, started again as soon as the last one ended.
        int gcs = 0;
        pid_t gc = -1;
        auto gc_ended = [&](bool block) {
          if (gc < 0) return true;
          std::optional<int> status = try_wait(gc, block);
          if (!status) return false;
          EXPECT_EQ(*status, 0) << "gc failed";
          gc = -1;
          return true;
        };
        RaceTally tally = read_while_writing(spawn(writer(root, kWrites, 2)), true, [&] {
          if (!gc_ended(false)) return;
          gc = spawn({NUTHATCH_CLI_PATH, "gc", "--grace", "0s", "--force"});
          ++gcs;
        });
        gc_ended(true);
        nh::log::set_capture(false);
        std::cout << "eager reader vs overwrite and gc: " << tally.text() << ", gc runs=" << gcs
                  << "\n";
        EXPECT_GT(tally.reads, 1);
        EXPECT_GT(tally.stamps.size(), 1u) << "the reader never saw an overwrite land";
        EXPECT_LT(tally.misses, tally.reads);
      },
      {.timeout = kScenarioTime});
}

}  // namespace
