// The `file` storage driver and its write protocol (after tensorstore's file kvstore, but
// locking the parent directory instead of lock files, so nothing is left behind).
//
// Invariants:
//  I1. An object file is never modified in place. Every write creates a new file and
//      rename()s it over the target, so a reader sees the complete old or the complete new
//      bytes, and a reader that already opened the old file keeps reading the old bytes.
//  I2. Generation = "<st_ino>-<st_mtim in ns>-<st_size>". The new file always has a new
//      inode (the old one is still linked while the new one is written), and each write
//      stamps it with the current time at full clock resolution, so a replacement changes
//      the generation even when the file system later recycles an inode number.
//  I3. Temp files live in the target's own directory (rename() is atomic only within one
//      file system) and are named ".nh-tmp-<random>". list() hides them, keys may not
//      name them, `nuthatch gc` finds stale ones (list_temp_files) and removes them
//      (remove_temp).
//  I4. A rename into, or an unlink from, a directory happens only while holding
//      flock(LOCK_EX) on a descriptor of that directory; write_if checks its condition
//      under the same lock. So check-and-rename is atomic against every write, write_if
//      and remove, across threads and processes, without lock files.
//  I5. Keys are validated (relative, no empty / "." / ".." segment, no NUL) before any
//      path is built, so no key reaches outside the root.
//  I6. Nothing below the root is reached through a symbolic link. The root is opened as
//      configured (its own path may hold links); every path below it is opened from the
//      root's descriptor with no link followed at any component (posix::open_beneath:
//      openat2 RESOLVE_NO_SYMLINKS, or openat O_NOFOLLOW one component at a time),
//      entries are stat()ed with AT_SYMLINK_NOFOLLOW and removed with unlinkat() on their
//      parent's descriptor. So:
//       - a link at a key, or at a directory on the way to it, is no object: read / stat
//         answer std::nullopt, listings skip it, remove() unlinks a link at the key itself
//         (never its target) and ignores keys under a linked directory;
//       - write / write_if replace a link at the key itself (rename() replaces the link,
//         never what it points to) and refuse, with a StorageError naming the link, a key
//         under a linked directory;
//       - remove_prefix and the temp-file removal unlink links, never enter them, and
//         directories are pruned with unlinkat(AT_REMOVEDIR) on the parent's descriptor.
//  I7. Nothing blocks on a special file. Objects are opened O_NONBLOCK | O_NOCTTY and
//      fstat()ed before any read; a FIFO, socket or device at a key makes read, stat,
//      write and write_if fail with a StorageError naming the key, the location and the
//      file type ("is a FIFO, not a regular file"); listings skip such entries without
//      opening them; remove() unlinks them.
//  I8. Writes happen only on file systems whose directory flock is shared by every
//      writer: NFS, SMB/CIFS, AFS, Coda and NCP are refused with a StorageError that names
//      the file system and says to use an object store (filesystem_check.hpp gives the
//      reasons); reading works on any file system. A flock that fails as unsupported on
//      any other file system gets the same kind of message.
//
// Steps of write(key, data) and write_if(key, data, condition):
//  1. Validate the key (I5).
//  2. write_if: check the condition without the lock (from the root, no link followed);
//     if it already fails, return false (linearisable: it was false at that instant),
//     with nothing written.
//  3. Open the root (creating it and its missing ancestors first: the root is created
//     lazily by the first write), then the parent directory from it, one component at a
//     time with O_NOFOLLOW, creating missing ones with mkdirat() (I6). With `fsync`, the
//     parent of each new directory is fsynced, on a helper thread while steps 4 to 8 go
//     on (the write returns only once it is done: nothing is reported written before every
//     fsync it needs). Refuse an unsupported file system (I8).
//  4. Create ".nh-tmp-<random>" there (O_CREAT | O_EXCL | O_NOFOLLOW), write the data,
//     stamp the mtime (I2), fsync, close. Done before taking the lock so the slow part
//     never holds it. If the directory vanished meanwhile (remove() prunes empty
//     directories), go to 3.
//  5. flock(LOCK_EX) the directory descriptor and check that the key's directory, opened
//     again from the root, is still that directory (it may have been pruned and
//     re-created); if not, go to 3.
//  6. write_if: check the condition again, now race-free; if it fails, unlink the temp
//     file and return false.
//  7. renameat() the temp file over the target; unlock.
//  8. fsync the directory, so the rename survives a crash.
// A crash at any step leaves the old object or the new one, plus at worst a temp file.
// Without `fsync` (option), steps 3, 4 and 8 skip their fsyncs; atomicity is unchanged.
//
// remove() unlinks under the directory lock (I4), then removes directories left empty,
// deepest first, up to the root. A writer whose directory is pruned under it retries.
// list_pages() walks one directory at a time (directory_tree.hpp) and hands over pages of
// kListPageSize objects; list() collects them. Listing and removal live in
// file_listing.cpp.

#include "storage/file/file_storage.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "common/ids.hpp"
#include "nuthatch/error.hpp"
#include "storage/file/directory_tree.hpp"
#include "storage/file/file_support.hpp"
#include "storage/file/filesystem_check.hpp"
#include "storage/file/posix_io.hpp"
#include "storage/storage_paths.hpp"

namespace nuthatch {
namespace {

using file_support::Failure;
using file_support::is_missing;
using file_support::lock_directory;
using posix::UniqueFd;

constexpr std::string_view kScheme = "file";
constexpr mode_t kFileMode = 0666;       // narrowed by the umask
constexpr mode_t kDirectoryMode = 0777;  // narrowed by the umask, as mkdir(1) does
// A write retries from step 3 at most this often when its directory is pruned under it.
constexpr int kMaxWriteAttempts = 16;
// Random temp names that may collide (O_EXCL) before giving up.
constexpr int kMaxTempNameAttempts = 16;

bool is_special(mode_t mode) { return !S_ISREG(mode) && !S_ISDIR(mode) && !S_ISLNK(mode); }

// Whether `condition` holds for the entry `name` of `dir_fd`, whose full path is `path`.
// A directory or a link is not an object: it counts as absent (a link is replaced by the
// rename, I6); a special file is refused (I7).
bool condition_holds(int dir_fd, const std::string& name, const std::string& path,
                     const WriteCondition& condition, const Failure& fail) {
  if (condition.kind == WriteCondition::Kind::none) return true;
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (!is_missing(errno)) fail("stat", path, errno);
    return condition.kind == WriteCondition::Kind::if_absent;
  }
  if (is_special(st.st_mode)) fail.not_regular(path, st.st_mode);
  if (!S_ISREG(st.st_mode)) return condition.kind == WriteCondition::Kind::if_absent;
  return condition.kind == WriteCondition::Kind::if_generation &&
         file_tree::generation_of(st) == condition.generation;
}

// Turns a failed open below `root_fd` of `relative` (errno `err`) into the clearest
// StorageError: a link or a special file on the way is named as such (I6, I7).
[[noreturn]] void fail_beneath(int root_fd, std::string_view relative, const std::string& root,
                               std::string_view op, int err, const Failure& fail) {
  const auto full = [&](std::string_view rel) {
    return rel.empty() ? root : (root == "/" ? "" : root) + "/" + std::string(rel);
  };
  struct stat st;
  const std::string culprit = posix::first_non_directory(root_fd, relative, st);
  if (!culprit.empty()) {
    if (S_ISLNK(st.st_mode)) fail.link(full(culprit));
    if (is_special(st.st_mode)) fail.not_regular(full(culprit), st.st_mode);
    fail(op, full(culprit), err);  // a regular file where a directory is needed
  }
  fail(op, full(relative), err);
}

// The fsyncs of directories that gained an entry (step 3), run on a helper thread while
// the caller writes; finish() waits for them and fails with the first error. Destroyed
// without finish() (a retry, or a failure elsewhere), it still waits, so no descriptor is
// closed under the thread.
class DirectorySyncs {
 public:
  DirectorySyncs() = default;
  DirectorySyncs(const DirectorySyncs&) = delete;
  DirectorySyncs& operator=(const DirectorySyncs&) = delete;
  ~DirectorySyncs() { join(); }

  /// Queues an fsync of `dir_fd` (duplicated: the caller keeps its own), named `path`.
  void add(int dir_fd, std::string path) {
    UniqueFd fd(::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0));
    const int error = fd.valid() ? 0 : errno;  // reported by finish(), as an fsync's
    dirs_.push_back({std::move(fd), std::move(path), error});
  }

  /// Starts the queued fsyncs, if any, on the helper thread (when no thread can be
  /// started, finish() makes them itself).
  void start() {
    if (dirs_.empty() || thread_.joinable() || done_) return;
    try {
      thread_ = std::thread([this] { sync_all(); });
    } catch (const std::system_error&) {
    }
  }

  void finish(const Failure& fail) {
    start();
    join();
    if (!done_) sync_all();
    for (const Dir& dir : dirs_) {
      if (dir.error != 0) fail("fsync directory", dir.path, dir.error);
    }
  }

 private:
  struct Dir {
    UniqueFd fd;
    std::string path;
    int error;
  };
  void sync_all() {
    for (Dir& dir : dirs_) {
      if (dir.error == 0) dir.error = posix::fsync_fd(dir.fd.get());
    }
    done_ = true;
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  std::vector<Dir> dirs_;
  std::thread thread_;
  bool done_ = false;  // written by the thread before join(), read after it
};

// Step 3 below the root: the directory `dir_key` opened from `root_fd` with no link
// followed, its missing components created one at a time; with `syncs`, the parent of each
// one created is queued there for an fsync. An invalid descriptor when a directory on the
// way was removed meanwhile (the caller retries).
UniqueFd open_parent(int root_fd, std::string_view dir_key, const std::string& root,
                     DirectorySyncs* syncs, const Failure& fail) {
  constexpr int kDirFlags = O_RDONLY | O_DIRECTORY;
  UniqueFd fd = posix::open_beneath(root_fd, dir_key, kDirFlags);
  if (fd.valid()) return fd;
  if (errno != ENOENT) fail_beneath(root_fd, dir_key, root, "open directory", errno, fail);
  UniqueFd current = posix::open_at(root_fd, ".", kDirFlags);
  if (!current.valid()) fail("open directory", root, errno);
  std::size_t start = 0;
  while (start < dir_key.size()) {
    const std::size_t slash = std::min(dir_key.find('/', start), dir_key.size());
    const std::string segment(dir_key.substr(start, slash - start));
    const std::string_view so_far = dir_key.substr(0, slash);
    start = slash + 1;
    UniqueFd next = posix::open_at(current.get(), segment.c_str(), kDirFlags | O_NOFOLLOW);
    if (!next.valid() && errno == ENOENT) {
      if (::mkdirat(current.get(), segment.c_str(), kDirectoryMode) == 0) {
        if (syncs != nullptr) {  // `current` is the new directory's parent
          const std::size_t cut = so_far.size() - segment.size();
          syncs->add(current.get(),
                     cut == 0 ? root : root + "/" + std::string(so_far.substr(0, cut - 1)));
        }
      } else if (errno == ENOENT) {
        return UniqueFd();  // `current` was pruned under us
      } else if (errno != EEXIST) {
        fail_beneath(root_fd, so_far, root, "create directory", errno, fail);
      }
      next = posix::open_at(current.get(), segment.c_str(), kDirFlags | O_NOFOLLOW);
    }
    if (!next.valid()) {
      if (errno == ENOENT) return UniqueFd();
      fail_beneath(root_fd, so_far, root, "open directory", errno, fail);
    }
    current = std::move(next);
  }
  return current;
}

// Step 5: whether `dir_key`, opened again from the root, is still the directory `dir_fd`.
bool is_same_directory(int root_fd, int dir_fd, std::string_view dir_key) {
  struct stat opened;
  struct stat named;
  if (::fstat(dir_fd, &opened) != 0) return false;
  const UniqueFd again = posix::open_beneath(root_fd, dir_key, O_PATH | O_DIRECTORY);
  return again.valid() && ::fstat(again.get(), &named) == 0 && opened.st_dev == named.st_dev &&
         opened.st_ino == named.st_ino;
}

// A temp file of step 4; unlinked on destruction unless renamed into place.
class TempFile {
 public:
  TempFile(int dir_fd, std::string dir) : dir_fd_(dir_fd), dir_(std::move(dir)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (!name_.empty()) ::unlinkat(dir_fd_, name_.c_str(), 0);
  }

  // Creates and fills the file. False when the directory has been removed.
  bool create(std::string_view data, bool sync, const Failure& fail) {
    UniqueFd fd;
    for (int attempt = 0; attempt < kMaxTempNameAttempts && !fd.valid(); ++attempt) {
      std::string name = std::string(FileStorage::kTempPrefix) + random_hex();
      fd = posix::open_at(dir_fd_, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
                          kFileMode);
      if (fd.valid()) {
        name_ = std::move(name);
      } else if (errno == ENOENT) {
        return false;
      } else if (errno != EEXIST) {
        fail("create", dir_ + "/" + name, errno);
      }
    }
    if (!fd.valid()) fail("create temp file in", dir_, EEXIST);
    if (const int err = posix::write_all(fd.get(), data)) fail("write", path(), err);
    if (const int err = posix::set_times(fd.get(), posix::realtime_ns())) {
      fail("set times of", path(), err);
    }
    if (sync) {
      if (const int err = posix::fsync_fd(fd.get())) fail("fsync", path(), err);
    }
    if (const int err = fd.close()) fail("close", path(), err);
    return true;
  }

  const std::string& name() const { return name_; }
  std::string path() const { return dir_ + "/" + name_; }
  void committed() { name_.clear(); }

 private:
  int dir_fd_;
  std::string dir_;
  std::string name_;
};

}  // namespace

FileStorage::FileStorage(std::string url, Options options)
    : url_(std::move(url)), root_(local_path_of(url_)), options_(options) {}

void FileStorage::check_key(std::string_view key) const {
  check_storage_key(key, url_);
  for (std::size_t start = 0; start <= key.size();) {
    const std::size_t slash = std::min(key.find('/', start), key.size());
    if (is_temp_name(key.substr(start, slash - start))) {
      throw StorageError("invalid storage key '" + printable_key(key) + "' in '" + url_ +
                         "': segments starting with '" + std::string(kTempPrefix) +
                         "' are reserved for in-flight writes");
    }
    start = slash + 1;
  }
}

std::string FileStorage::path_of(std::string_view key) const {
  while (key.starts_with('/')) key.remove_prefix(1);
  if (key.empty()) return root_;
  return (root_ == "/" ? "" : root_) + "/" + std::string(key);
}

std::string FileStorage::url_of(std::string_view path) const { return path_of(path); }

UniqueFd FileStorage::open_root(std::string_view action, std::string_view key) const {
  UniqueFd fd = posix::open_directory(AT_FDCWD, root_.c_str());
  if (!fd.valid() && errno != ENOENT) Failure{url_, action, key}("open directory", root_, errno);
  return fd;
}

namespace {

// The open object file below `root_fd` and its stat, or nullopt when there is no object:
// missing, a directory of keys, or a link at any component (I6). A special file is refused
// without blocking (I7).
std::optional<std::pair<UniqueFd, struct stat>> open_object(int root_fd, std::string_view key,
                                                            const std::string& path,
                                                            const Failure& fail) {
  // O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
  UniqueFd fd = posix::open_beneath(root_fd, key, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  if (!fd.valid()) {
    const int err = errno;
    if (is_missing(err) || err == ELOOP) return std::nullopt;
    struct stat st;  // ENXIO for a socket, for instance: name the type
    if (posix::stat_beneath(root_fd, key, st) == 0 && is_special(st.st_mode)) {
      fail.not_regular(path, st.st_mode);
    }
    fail("open", path, err);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) fail("stat", path, errno);
  if (S_ISDIR(st.st_mode)) return std::nullopt;  // a "directory" of keys is no object
  if (!S_ISREG(st.st_mode)) fail.not_regular(path, st.st_mode);
  const int status = ::fcntl(fd.get(), F_GETFL);
  if (status < 0 || ::fcntl(fd.get(), F_SETFL, status & ~O_NONBLOCK) != 0) {
    fail("clear O_NONBLOCK of", path, errno);
  }
  return std::pair{std::move(fd), st};
}

}  // namespace

std::optional<VersionedObject> FileStorage::read_object(std::string_view key, ByteRange range,
                                                        bool with_generation) {
  // One open file gives both: the generation and the bytes are the same inode's.
  check_key(key);
  const Failure fail{url_, "read", key};
  const UniqueFd root = open_root("read", key);
  if (!root.valid()) return std::nullopt;
  const std::string path = path_of(key);
  auto object = open_object(root.get(), key, path, fail);
  if (!object) return std::nullopt;
  auto& [fd, st] = *object;
  VersionedObject out;
  if (with_generation) out.generation = file_tree::generation_of(st);
  // Ranges are clipped to the object: an offset at or past the end reads "".
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (range.offset >= size) return out;
  const std::uint64_t available = size - range.offset;
  const std::uint64_t length = std::min(range.length.value_or(available), available);
  if (const int err = posix::pread_all(fd.get(), range.offset, length, out.data)) {
    fail("read", path, err);
  }
  return out;
}

std::optional<VersionedObject> FileStorage::read_versioned(std::string_view key) {
  return read_object(key, {}, /*with_generation=*/true);
}

std::optional<std::string> FileStorage::read(std::string_view key, ByteRange range) {
  auto object = read_object(key, range, /*with_generation=*/false);
  if (!object) return std::nullopt;
  return std::move(object->data);
}

std::optional<ObjectInfo> FileStorage::stat(std::string_view key) {
  check_key(key);
  const UniqueFd root = open_root("stat", key);
  if (!root.valid()) return std::nullopt;
  struct stat st;
  if (const int err = posix::stat_beneath(root.get(), key, st)) {
    if (is_missing(err) || err == ELOOP) return std::nullopt;
    Failure{url_, "stat", key}("stat", path_of(key), err);
  }
  if (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) return std::nullopt;  // I6
  if (!S_ISREG(st.st_mode)) Failure{url_, "stat", key}.not_regular(path_of(key), st.st_mode);
  return file_tree::object_info(std::string(key), st);
}

void FileStorage::write(std::string_view key, std::string_view data) {
  put(key, data, WriteCondition::none());
}

bool FileStorage::write_if(std::string_view key, std::string_view data,
                           const WriteCondition& condition) {
  return put(key, data, condition);
}

bool FileStorage::put(std::string_view key, std::string_view data,
                      const WriteCondition& condition) {
  check_key(key);  // step 1
  const Failure fail{url_, "write", key};
  const std::string target = path_of(key);
  const KeyParts parts = split_key(key);
  const std::string dir = path_of(parts.dir);
  const std::string name(parts.name);
  if (condition.kind != WriteCondition::Kind::none) {  // step 2
    const UniqueFd root = open_root("write", key);
    const UniqueFd parent = root.valid()
                                ? posix::open_beneath(root.get(), parts.dir, O_PATH | O_DIRECTORY)
                                : UniqueFd();
    if (parent.valid()) {
      if (!condition_holds(parent.get(), name, target, condition, fail)) return false;
    } else if (condition.kind == WriteCondition::Kind::if_generation) {
      return false;  // no such directory, so no such object
    }
  }
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    UniqueFd root = open_root("write", key);  // step 3
    if (!root.valid()) {
      if (const int err = posix::make_directories(root_, options_.fsync)) {
        fail("create directory", root_, err);
      }
      root = open_root("write", key);
      if (!root.valid()) continue;
    }
    DirectorySyncs syncs;  // declared first: destroyed (joined) after every descriptor
    UniqueFd dir_fd =
        open_parent(root.get(), parts.dir, root_, options_.fsync ? &syncs : nullptr, fail);
    if (!dir_fd.valid()) continue;
    syncs.start();
    file_fs::check_writable(dir_fd.get(), dir, url_);
    TempFile temp(dir_fd.get(), dir);  // destroyed (unlinked if not renamed) before dir_fd
    if (!temp.create(data, options_.fsync, fail)) continue;  // step 4
    lock_directory(dir_fd.get(), dir, url_, fail);
    if (!is_same_directory(root.get(), dir_fd.get(), parts.dir)) continue;            // step 5
    if (!condition_holds(dir_fd.get(), name, target, condition, fail)) return false;  // 6
    if (::renameat(dir_fd.get(), temp.name().c_str(), dir_fd.get(), name.c_str()) != 0) {
      fail("rename " + temp.path() + " to", target, errno);  // step 7
    }
    temp.committed();
    posix::flock_fd(dir_fd.get(), LOCK_UN);
    if (options_.fsync) {  // step 8
      if (const int err = posix::fsync_fd(dir_fd.get())) fail("fsync directory", dir, err);
    }
    syncs.finish(fail);  // step 3's fsyncs
    return true;
  }
  fail("open directory", dir, ENOENT);  // removed under us kMaxWriteAttempts times
}

void FileStorage::make_durable(std::string_view prefix) {
  if (!options_.fsync) return;
  const std::string key(prefix);
  const Failure fail{url_, "make durable", key};
  const UniqueFd root = open_root("make durable", key);
  if (!root.valid()) return;  // no root yet: nothing was written
  auto sync = [&](int fd, const std::string& path) {
    if (const int err = posix::fsync_fd(fd)) fail("fsync", path, err);
  };
  // O_NONBLOCK: a FIFO put there must not block the open (it is refused below).
  constexpr int kOpen = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
  UniqueFd top = posix::open_beneath(root.get(), key, kOpen);
  // Nothing there: the source kept its data elsewhere (a user's backend may), so there
  // is nothing of ours to make durable.
  if (!top.valid() && errno == ENOENT) return;
  if (!top.valid()) fail_beneath(root.get(), key, root_, "open", errno, fail);
  struct stat st;
  if (::fstat(top.get(), &st) != 0) fail("stat", path_of(key), errno);
  if (S_ISDIR(st.st_mode)) {
    sync(top.get(), path_of(key));
    const std::string dir = path_of(key);
    file_tree::walk(std::move(top), dir, key + "/", {}, "make durable", url_, [&](const file_tree::WalkEntry& e) {
      if (e.type != DT_REG && e.type != DT_DIR) return false;  // links and the like: not ours
      const int flags = kOpen | (e.type == DT_DIR ? O_DIRECTORY : 0);
      const UniqueFd fd = posix::open_at(e.dir_fd, e.name.c_str(), flags);
      if (!fd.valid()) {
        if (errno == ENOENT) return false;  // a temp file renamed meanwhile: synced by its writer
        fail("open", e.dir_path + "/" + e.name, errno);
      }
      sync(fd.get(), e.dir_path + "/" + e.name);
      return e.type == DT_DIR;
    });
  } else if (S_ISREG(st.st_mode)) {
    sync(top.get(), path_of(key));
  } else {
    fail.not_regular(path_of(key), st.st_mode);
  }
  // The entries naming it, up to the root: a library creates missing folders unsynced.
  std::string_view dir = prefix;
  while (!dir.empty()) {
    const std::size_t slash = dir.rfind('/');
    dir = slash == std::string_view::npos ? std::string_view() : dir.substr(0, slash);
    const UniqueFd fd = dir.empty() ? posix::open_at(root.get(), ".", O_RDONLY | O_DIRECTORY)
                                    : posix::open_beneath(root.get(), dir, O_RDONLY | O_DIRECTORY);
    if (!fd.valid()) fail("open directory", path_of(dir), errno);
    sync(fd.get(), path_of(dir));
  }
}

namespace {

const StorageRegistrar kRegistrar(std::string(kScheme), [](const std::string& url,
                                                           const Value& options) {
  return std::make_shared<FileStorage>(url, FileStorage::parse_options(options));
}, DriverTraits{.local_directories = true});

}  // namespace

}  // namespace nuthatch
