#pragma once
// For tests that check what is made durable: defines fsync() for the whole test binary,
// forwarding every call to the kernel and recording the path of its descriptor.
// Include it from exactly one source file of a test binary.

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <set>
#include <string>

namespace nuthatch::testing::fsync_recorder {

inline std::mutex mu;
inline std::set<std::string> paths;

/// The paths fsynced since the last call, and forgets them.
inline std::set<std::string> take() {
  std::lock_guard lock(mu);
  std::set<std::string> out;
  out.swap(paths);
  return out;
}

}  // namespace nuthatch::testing::fsync_recorder

extern "C" int fsync(int fd) {
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char target[4096];
  const ssize_t n = ::readlink(link, target, sizeof target - 1);
  if (n > 0) {
    namespace r = nuthatch::testing::fsync_recorder;
    std::lock_guard lock(r::mu);
    r::paths.insert(std::string(target, static_cast<std::size_t>(n)));
  }
  return static_cast<int>(::syscall(SYS_fsync, fd));
}
