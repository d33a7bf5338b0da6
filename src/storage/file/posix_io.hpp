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

/// Opens `relative` ('/'-separated, no empty, "." or ".." segment; "" is `root_fd`'s own
/// directory) below the directory `root_fd` without following a symbolic link at any
/// component: openat2(RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH) where the kernel has it,
/// otherwise one openat(O_NOFOLLOW) per component (O_PATH | O_DIRECTORY for the
/// directories on the way, so only search permission is needed, as for a plain open).
/// `flags` are openat() flags (O_CLOEXEC is added; a link is refused whatever they say).
/// On failure errno is ELOOP when a component is a symbolic link, ENOTDIR when one is not
/// a directory.
UniqueFd open_beneath(int root_fd, std::string_view relative, int flags, mode_t mode = 0);
/// open_beneath() by the component walk alone (the fallback; tests run it directly).
UniqueFd open_beneath_by_walk(int root_fd, std::string_view relative, int flags, mode_t mode = 0);
/// lstat of `relative` below `root_fd`, following no link on the way (fstatat with
/// AT_SYMLINK_NOFOLLOW from the parent). 0 or errno (ELOOP: a directory on the way is a link).
int stat_beneath(int root_fd, std::string_view relative, struct stat& out);
/// The longest prefix of `relative` (whole segments) naming something that is not a
/// directory (a link, a file, a FIFO...), with its lstat; "" when every directory on the
/// way is one. For error messages only: it races with concurrent changes.
std::string first_non_directory(int root_fd, std::string_view relative, struct stat& out);

/// "a regular file", "a directory", "a symbolic link", "a FIFO", "a socket",
/// "a character device", "a block device" or "an unknown file type".
std::string_view file_type_name(mode_t mode);

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
/// strerror, thread-safe.
std::string error_text(int err);

}  // namespace nuthatch::posix
