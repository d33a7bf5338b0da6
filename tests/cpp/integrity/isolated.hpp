#pragma once
// Runs one adversarial scenario in a child process with a time limit (and, optionally, an
// address-space limit), so that a crash, a signal or a hang of the engine fails the test
// instead of taking the test program down with it.
//
//   EXPECT_ISOLATED_PASS([&] { ...gtest assertions... }, {.timeout = 20s});
//
// The child runs the body; gtest failures inside it (EXPECT_* / ASSERT_*) and escaping
// exceptions make it exit non-zero; the parent reports the child's status: its exit code,
// the signal that killed it, or that it hung and was killed after the timeout. The
// child's stderr goes to the parent's, so messages from inside stay visible.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <thread>

namespace nuthatch::testing {

struct IsolationLimits {
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  /// RLIMIT_AS for the child, in bytes (std::nullopt: unlimited). Sanitizer builds reserve
  /// terabytes of shadow memory, so they skip this limit (the scenario still runs).
  std::optional<std::uint64_t> address_space_bytes;
};

inline bool built_with_sanitizers() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

/// How the child ended, in words; empty when it exited 0.
inline std::string run_isolated(const std::function<void()>& body, IsolationLimits limits = {}) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::setpgid(0, 0);
    if (limits.address_space_bytes && !built_with_sanitizers()) {
      rlimit rl{*limits.address_space_bytes, *limits.address_space_bytes};
      ::setrlimit(RLIMIT_AS, &rl);
    }
    int code = 0;
    try {
      body();
      code = ::testing::Test::HasFailure() ? 1 : 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "isolated scenario threw: %s\n", e.what());
      code = 3;
    } catch (...) {
      std::fprintf(stderr, "isolated scenario threw a non-standard exception\n");
      code = 3;
    }
    std::fflush(nullptr);
    ::_exit(code);
  }
  const auto deadline = std::chrono::steady_clock::now() + limits.timeout;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return "hung: killed after " + std::to_string(limits.timeout.count()) + " ms";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFSIGNALED(status)) {
    return std::string("killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
           ::strsignal(WTERMSIG(status)) + ")";
  }
  const int code = WEXITSTATUS(status);
  if (code == 0) return {};
  if (code == 1) return "failed its assertions (see above)";
  if (code == 3) return "threw an exception (see above)";
  return "exited with status " + std::to_string(code);
}

}  // namespace nuthatch::testing

/// Runs `body` in a child process under `limits`; a failure, signal or hang fails the test.
#define EXPECT_ISOLATED_PASS(body, ...)                                                  \
  do {                                                                                   \
    const std::string nh_isolated_outcome =                                              \
        ::nuthatch::testing::run_isolated(body __VA_OPT__(, ) __VA_ARGS__);               \
    EXPECT_TRUE(nh_isolated_outcome.empty()) << "scenario " << nh_isolated_outcome;      \
  } while (0)
