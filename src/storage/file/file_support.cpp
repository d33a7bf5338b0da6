#include "storage/file/file_support.hpp"

#include <sys/file.h>

#include "nuthatch/error.hpp"
#include "storage/file/filesystem_check.hpp"
#include "storage/file/posix_io.hpp"
#include "storage/storage_paths.hpp"

namespace nuthatch::file_support {

void Failure::operator()(std::string_view op, const std::string& path, int err) const {
  throw StorageError(prefix() + std::string(op) + " '" + path + "': " + posix::error_text(err));
}

void Failure::not_regular(const std::string& path, mode_t mode) const {
  throw StorageError(prefix() + "'" + path + "' is " + std::string(posix::file_type_name(mode)) +
                     ", not a regular file");
}

void Failure::link(const std::string& path) const {
  throw StorageError(prefix() + "'" + path +
                     "' is a symbolic link, and the file driver follows no link below the "
                     "root of a location");
}

std::string Failure::prefix() const {
  return "cannot " + std::string(action) + " '" + printable_key(key) + "' in '" +
         std::string(url) + "': ";
}

void lock_directory(int dir_fd, const std::string& dir, std::string_view location,
                    const Failure& fail) {
  file_fs::check_writable(dir_fd, dir, location);
  const int err = posix::flock_fd(dir_fd, LOCK_EX);
  if (err == 0) return;
  if (file_fs::is_unsupported_lock_error(err)) {
    throw StorageError("cannot write to '" + std::string(location) + "': flock on directory '" +
                       dir + "' failed (" + posix::error_text(err) +
                       "): this file system cannot hold the lock that the file driver's "
                       "compare-and-swap needs; use a local or cluster file system with "
                       "coherent flock, or an object store (s3://, gs://, az://)");
  }
  fail("lock", dir, err);
}

}  // namespace nuthatch::file_support
