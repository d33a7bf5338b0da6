#include "storage/file/posix_io.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <random>
#include <system_error>

namespace nuthatch::posix {
namespace {

constexpr mode_t kDirectoryMode = 0777;  // narrowed by the umask, as mkdir(1) does
constexpr std::int64_t kNsPerSecond = 1'000'000'000;

template <class F>
auto retry_on_eintr(F&& f) {
  while (true) {
    auto result = f();
    if (result >= 0 || errno != EINTR) return result;
  }
}

// False once the kernel said it has no openat2 (Linux < 5.6, or a seccomp filter).
std::atomic<bool> openat2_available{true};

// The next segment of `rest` (consumed), and whether it was the last.
std::string next_segment(std::string_view& rest, bool& last) {
  const std::size_t slash = rest.find('/');
  last = slash == std::string_view::npos;
  std::string segment(rest.substr(0, last ? rest.size() : slash));
  rest.remove_prefix(last ? rest.size() : slash + 1);
  return segment;
}

// ELOOP instead of ENOTDIR when `name` (below `dir_fd`) is a symbolic link: O_NOFOLLOW |
// O_DIRECTORY on a link fails with ENOTDIR, and callers tell links apart.
int classify_not_directory(int dir_fd, const std::string& name) {
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
    return ELOOP;
  }
  return ENOTDIR;
}

int sync_parent_of(const std::string& dir) {
  const std::size_t slash = dir.rfind('/');
  const std::string parent = slash == 0 ? "/" : dir.substr(0, slash);
  UniqueFd fd = open_directory(AT_FDCWD, parent.c_str());
  if (!fd.valid()) return errno;
  return fsync_fd(fd.get());
}

}  // namespace

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

int UniqueFd::close() {
  if (fd_ < 0) return 0;
  // Linux releases the descriptor even when close() fails: never retry it.
  const int result = ::close(std::exchange(fd_, -1));
  return result == 0 || errno == EINTR ? 0 : errno;
}

UniqueFd open_at(int dir_fd, const char* path, int flags, mode_t mode) {
  return UniqueFd(retry_on_eintr([&] { return ::openat(dir_fd, path, flags | O_CLOEXEC, mode); }));
}

UniqueFd open_directory(int dir_fd, const char* path) {
  return open_at(dir_fd, path, O_RDONLY | O_DIRECTORY);
}

UniqueFd open_beneath_by_walk(int root_fd, std::string_view relative, int flags, mode_t mode) {
  flags |= O_NOFOLLOW;
  if (relative.empty()) return open_at(root_fd, ".", flags & ~O_NOFOLLOW, mode);
  UniqueFd current;
  int dir_fd = root_fd;
  while (true) {
    bool last = false;
    const std::string segment = next_segment(relative, last);
    UniqueFd next =
        open_at(dir_fd, segment.c_str(), last ? flags : O_PATH | O_DIRECTORY | O_NOFOLLOW, mode);
    if (!next.valid()) {
      const int err = errno;
      errno = err == ENOTDIR && (!last || (flags & O_DIRECTORY) != 0)
                  ? classify_not_directory(dir_fd, segment)
                  : err;
      return next;
    }
    if (last) return next;
    current = std::move(next);
    dir_fd = current.get();
  }
}

UniqueFd open_beneath(int root_fd, std::string_view relative, int flags, mode_t mode) {
  if (openat2_available.load(std::memory_order_relaxed)) {
    const std::string path = relative.empty() ? std::string(".") : std::string(relative);
    open_how how{};
    // No O_NOFOLLOW: RESOLVE_NO_SYMLINKS refuses a link at the last component too, with
    // ELOOP, where O_NOFOLLOW | O_DIRECTORY would say ENOTDIR.
    how.flags = static_cast<std::uint64_t>((flags & ~O_NOFOLLOW) | O_CLOEXEC);
    how.mode = (flags & O_CREAT) != 0 ? mode : 0;  // openat2 refuses a mode otherwise
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH;
    const long fd = retry_on_eintr([&] {
      long r;
      do {
        r = ::syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof how);
      } while (r < 0 && errno == EAGAIN);  // a concurrent rename raced the lookup
      return r;
    });
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    if (errno == ENOSYS) openat2_available.store(false, std::memory_order_relaxed);
    // EPERM / E2BIG / EINVAL: a seccomp filter or an older openat2; the walk decides.
    if (errno != ENOSYS && errno != EPERM && errno != E2BIG && errno != EINVAL) {
      return UniqueFd();  // ELOOP for a link at any component, the last one included
    }
  }
  return open_beneath_by_walk(root_fd, relative, flags, mode);
}

int stat_beneath(int root_fd, std::string_view relative, struct stat& out) {
  if (relative.empty()) return ::fstat(root_fd, &out) == 0 ? 0 : errno;
  const std::size_t slash = relative.rfind('/');
  const std::string name(slash == std::string_view::npos ? relative : relative.substr(slash + 1));
  if (slash == std::string_view::npos) {
    return ::fstatat(root_fd, name.c_str(), &out, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
  }
  const UniqueFd parent = open_beneath(root_fd, relative.substr(0, slash), O_PATH | O_DIRECTORY);
  if (!parent.valid()) return errno;
  return ::fstatat(parent.get(), name.c_str(), &out, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
}

std::string first_non_directory(int root_fd, std::string_view relative, struct stat& out) {
  for (std::size_t end = 0; end <= relative.size(); ++end) {
    if (end != relative.size() && relative[end] != '/') continue;
    const std::string_view prefix = relative.substr(0, end);
    if (stat_beneath(root_fd, prefix, out) != 0) return {};
    if (!S_ISDIR(out.st_mode)) return std::string(prefix);
  }
  return {};
}

std::string_view file_type_name(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "an unknown file type";
}

int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = retry_on_eintr([&] { return ::write(fd, data.data(), data.size()); });
    if (n < 0) return errno;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

int pread_all(int fd, std::uint64_t offset, std::uint64_t length, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + length);
  std::size_t done = 0;
  while (done < length) {
    const ssize_t n = retry_on_eintr([&] {
      return ::pread(fd, out.data() + start + done, length - done,
                     static_cast<off_t>(offset + done));
    });
    if (n < 0) {
      out.resize(start);
      return errno;
    }
    if (n == 0) break;  // shorter than fstat said: the file was truncated by someone else
    done += static_cast<std::size_t>(n);
  }
  out.resize(start + done);
  return 0;
}

int fsync_fd(int fd) {
  return retry_on_eintr([&] { return ::fsync(fd); }) == 0 ? 0 : errno;
}

int flock_fd(int fd, int operation) {
  return retry_on_eintr([&] { return ::flock(fd, operation); }) == 0 ? 0 : errno;
}

int set_times(int fd, std::int64_t ns_since_epoch) {
  timespec times[2];
  times[0].tv_sec = static_cast<time_t>(ns_since_epoch / kNsPerSecond);
  times[0].tv_nsec = static_cast<long>(ns_since_epoch % kNsPerSecond);
  times[1] = times[0];
  return ::futimens(fd, times) == 0 ? 0 : errno;
}

int make_directories(const std::string& dir, bool sync) {
  if (::mkdir(dir.c_str(), kDirectoryMode) == 0) return sync ? sync_parent_of(dir) : 0;
  if (errno == EEXIST) return 0;  // a non-directory here fails the caller's O_DIRECTORY open
  if (errno != ENOENT) return errno;
  const std::size_t slash = dir.rfind('/');
  if (slash == std::string::npos || slash == 0) return ENOENT;
  if (const int err = make_directories(dir.substr(0, slash), sync)) return err;
  if (::mkdir(dir.c_str(), kDirectoryMode) == 0) return sync ? sync_parent_of(dir) : 0;
  return errno == EEXIST ? 0 : errno;
}

std::int64_t realtime_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<std::int64_t>(now.tv_sec) * kNsPerSecond + now.tv_nsec;
}

std::int64_t mtime_ns(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * kNsPerSecond + st.st_mtim.tv_nsec;
}

std::string error_text(int err) { return std::generic_category().message(err); }

}  // namespace nuthatch::posix
