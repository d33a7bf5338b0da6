#pragma once
// Thin POSIX helpers for the file driver: an owning descriptor, EINTR-safe I/O, mkdir -p.
// They return errno values (0 on success); file_storage.cpp turns failures into
// StorageErrors that name the key and the location.

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace nuthatch::posix {

/// Owns a file descriptor; closes it (releasing any flock held through it) when destroyed.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1);
  /// Closes now and reports the error (0 or errno): close() can report a failed write.
  int close();

 private:
  int fd_ = -1;
};

/// openat() retried on EINTR; an invalid UniqueFd with errno set on failure.
UniqueFd open_at(int dir_fd, const char* path, int flags, mode_t mode = 0);
/// Opens a directory for reading, fsync and flock (O_RDONLY | O_DIRECTORY).
UniqueFd open_directory(int dir_fd, const char* path);

int write_all(int fd, std::string_view data);
/// Appends up to `length` bytes read at `offset` to `out`, stopping early at end of file.
int pread_all(int fd, std::uint64_t offset, std::uint64_t length, std::string& out);
int fsync_fd(int fd);
/// flock() retried on EINTR.
int flock_fd(int fd, int operation);
/// Sets the access and modification times of `fd` to `ns_since_epoch`.
int set_times(int fd, std::int64_t ns_since_epoch);

/// mkdir -p of an absolute `dir` (no trailing '/'); with `sync`, the parent of each
/// directory created is fsynced so the new entry survives a crash.
int make_directories(const std::string& dir, bool sync);

/// Current time (CLOCK_REALTIME) in ns since the epoch, at full clock resolution.
std::int64_t realtime_ns();
std::int64_t mtime_ns(const struct stat& st);
/// 16 random hex characters, distinct across threads and forked processes.
std::string random_hex();
/// strerror, thread-safe.
std::string error_text(int err);

}  // namespace nuthatch::posix
