#include "storage/file/posix_io.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

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

int fsync_fd(int fd) { return retry_on_eintr([&] { return ::fsync(fd); }) == 0 ? 0 : errno; }

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

std::string random_hex() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  // A forked child inherits the engine's state; mixing in the pid keeps names distinct.
  const std::uint64_t value =
      engine() ^ (static_cast<std::uint64_t>(::getpid()) * 0x9E3779B97F4A7C15ULL);
  constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 0; i < 16; ++i) out[i] = kDigits[(value >> (4 * i)) & 0xF];
  return out;
}

std::string error_text(int err) { return std::generic_category().message(err); }

}  // namespace nuthatch::posix
