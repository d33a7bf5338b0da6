// random_u64 / random_hex / new_entry_id (common/ids.hpp): distinct across threads and,
// above all, across a fork (a multiprocessing worker must never repeat its parent's names).

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/ids.hpp"

namespace nuthatch {
namespace {

bool is_lower_hex(const std::string& text) {
  return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(RandomHex, SixteenLowerCaseHexDigits) {
  const std::string hex = random_hex();
  EXPECT_EQ(hex.size(), 16u);
  EXPECT_TRUE(is_lower_hex(hex)) << hex;
  EXPECT_NE(random_hex(), random_hex());
}

TEST(RandomHex, DistinctAcrossThreads) {
  constexpr int kThreads = 8;
  constexpr int kEach = 200;
  std::mutex mutex;
  std::set<std::string> seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        std::string hex = random_hex();
        std::lock_guard lock(mutex);
        seen.insert(std::move(hex));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kEach));
}

// What the next draws give in a forked child, read back through a pipe.
template <class Draw>
std::string draw_in_child(Draw draw) {
  int fds[2];
  if (::pipe(fds) != 0) ADD_FAILURE() << "pipe: " << std::strerror(errno);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    const std::string value = draw();
    const ssize_t written = ::write(fds[1], value.data(), value.size());
    ::_exit(written == static_cast<ssize_t>(value.size()) ? 0 : 1);
  }
  ::close(fds[1]);
  std::string out;
  char buffer[256];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof(buffer))) > 0;) out.append(buffer, n);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return out;
}

TEST(RandomHex, ForkedChildDiffersFromParent) {
  random_hex();  // the parent's generator is seeded before the fork
  const std::string child = draw_in_child([] { return random_hex() + random_hex(); });
  const std::string parent = random_hex() + random_hex();
  ASSERT_EQ(child.size(), 32u);
  EXPECT_NE(child, parent);
}

TEST(EntryId, ForkedChildDiffersFromParent) {
  new_entry_id();
  const std::string child = draw_in_child([] { return new_entry_id(); });
  const std::string parent = new_entry_id();
  ASSERT_TRUE(is_entry_id(child)) << child;
  ASSERT_TRUE(is_entry_id(parent)) << parent;
  // The random part (after 10 characters of milliseconds) differs.
  EXPECT_NE(child.substr(10), parent.substr(10));
}

TEST(EntryId, WellFormedAndOrderedByTime) {
  const std::string id = new_entry_id();
  EXPECT_TRUE(is_entry_id(id));
  EXPECT_GT(entry_id_millis(id), 0);
  EXPECT_NE(new_entry_id(), new_entry_id());
}

}  // namespace
}  // namespace nuthatch
