#pragma once
// What the file driver's write protocol (file_storage.cpp) and its listing and removal
// (file_listing.cpp) share: how errors are worded and how a directory is locked (I4, I8).

#include <sys/types.h>

#include <cerrno>

#include <string>
#include <string_view>

namespace nuthatch::file_support {

/// Whether an errno says an entry is not there (ENOENT, or ENOTDIR on the way to it).
inline bool is_missing(int err) { return err == ENOENT || err == ENOTDIR; }

/// Throws StorageErrors naming the action, the key, the location, the system call, the
/// path and the cause.
struct Failure {
  std::string_view url;
  std::string_view action;
  std::string_view key;

  [[noreturn]] void operator()(std::string_view op, const std::string& path, int err) const;
  /// I7: a FIFO, socket or device where an object (or a directory of keys) should be.
  [[noreturn]] void not_regular(const std::string& path, mode_t mode) const;
  /// I6: a link on the way to a key that is being written.
  [[noreturn]] void link(const std::string& path) const;

 private:
  std::string prefix() const;
};

/// I4 and I8: flock(LOCK_EX) on a directory the driver writes to, on a file system that
/// honours it; a StorageError (through `fail`) otherwise.
void lock_directory(int dir_fd, const std::string& dir, std::string_view location,
                    const Failure& fail);

}  // namespace nuthatch::file_support
