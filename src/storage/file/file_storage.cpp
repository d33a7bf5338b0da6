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
//      name them, `nuthatch gc` removes stale ones left by a crash.
//  I4. A rename into, or an unlink from, a directory happens only while holding
//      flock(LOCK_EX) on a descriptor of that directory; write_if checks its condition
//      under the same lock. So check-and-rename is atomic against every write, write_if
//      and remove, across threads and processes, without lock files.
//  I5. Keys are validated (relative, no empty / "." / ".." segment, no NUL) before any
//      path is built, so no key reaches outside the root.
//
// Steps of write(key, data) and write_if(key, data, condition):
//  1. Validate the key (I5).
//  2. write_if: check the condition without the lock; if it already fails, return false
//     (linearisable: it was false at that instant), with nothing written.
//  3. Open the parent directory (O_RDONLY | O_DIRECTORY), creating it and its missing
//     ancestors first (mkdir -p; the root is created lazily by the first write). With
//     `fsync`, the parent of each new directory is fsynced.
//  4. Create ".nh-tmp-<random>" there (O_CREAT | O_EXCL), write the data, stamp the mtime
//     (I2), fsync, close. Done before taking the lock so the slow part never holds it.
//     If the directory vanished meanwhile (remove() prunes empty directories), go to 3.
//  5. flock(LOCK_EX) the directory descriptor and check that the path still names that
//     directory (it may have been pruned and re-created); if not, go to 3.
//  6. write_if: check the condition again, now race-free; if it fails, unlink the temp
//     file and return false.
//  7. rename() the temp file over the target; unlock.
//  8. fsync the directory, so the rename survives a crash.
// A crash at any step leaves the old object or the new one, plus at worst a temp file.
// Without `fsync` (option), steps 3, 4 and 8 skip their fsyncs; atomicity is unchanged.
//
// remove() unlinks under the directory lock (I4), then rmdir()s directories left empty,
// deepest first, up to the root. A writer whose directory is pruned under it retries.

#include "storage/file/file_storage.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "nuthatch/error.hpp"
#include "storage/file/directory_tree.hpp"
#include "storage/file/posix_io.hpp"
#include "storage/storage_paths.hpp"

namespace nuthatch {
namespace {

using posix::UniqueFd;

constexpr std::string_view kScheme = "file";
constexpr std::string_view kUrlPrefix = "file://";
constexpr std::string_view kLocalhost = "localhost/";
constexpr std::string_view kFsyncOption = "fsync";
constexpr mode_t kFileMode = 0666;  // narrowed by the umask
// A write retries from step 3 at most this often when its directory is pruned under it.
constexpr int kMaxWriteAttempts = 16;
// Random temp names that may collide (O_EXCL) before giving up.
constexpr int kMaxTempNameAttempts = 16;

bool is_missing(int err) { return err == ENOENT || err == ENOTDIR; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l >= 'a' && l <= 'f') return l - 'a' + 10;
  return -1;
}

// "%20" -> " "; a '%' not followed by two hex digits stays as it is.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 &&
        hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool parse_bool(std::string_view text, bool& out) {
  const std::string l = lower(text);
  if (l == "true" || l == "1" || l == "yes" || l == "on") {
    out = true;
  } else if (l == "false" || l == "0" || l == "no" || l == "off") {
    out = false;
  } else {
    return false;
  }
  return true;
}

// Errors name the action, the key, the location, the system call, the path and the cause.
struct Failure {
  std::string_view url;
  std::string_view action;
  std::string_view key;

  [[noreturn]] void operator()(std::string_view op, const std::string& path, int err) const {
    throw StorageError("cannot " + std::string(action) + " '" + printable_key(key) + "' in '" +
                       std::string(url) + "': " + std::string(op) + " '" + path +
                       "': " + posix::error_text(err));
  }
};

// Whether `condition` holds for the entry `name` of `dir_fd` (or a path, with AT_FDCWD),
// whose full path is `path`. A directory is not an object: it counts as absent.
bool condition_holds(int dir_fd, const std::string& name, const std::string& path,
                     const WriteCondition& condition, const Failure& fail) {
  if (condition.kind == WriteCondition::Kind::none) return true;
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, 0) != 0) {
    if (!is_missing(errno)) fail("stat", path, errno);
    return condition.kind == WriteCondition::Kind::if_absent;
  }
  if (S_ISDIR(st.st_mode)) return condition.kind == WriteCondition::Kind::if_absent;
  return condition.kind == WriteCondition::Kind::if_generation &&
         file_tree::generation_of(st) == condition.generation;
}

// Step 3. An invalid descriptor when the directory was removed while being created.
UniqueFd open_parent(const std::string& dir, bool sync, const Failure& fail) {
  UniqueFd fd = posix::open_directory(AT_FDCWD, dir.c_str());
  if (fd.valid()) return fd;
  if (errno != ENOENT) fail("open directory", dir, errno);
  if (const int err = posix::make_directories(dir, sync)) {
    if (err == ENOENT) return fd;
    fail("create directory", dir, err);
  }
  fd = posix::open_directory(AT_FDCWD, dir.c_str());
  if (!fd.valid() && errno != ENOENT) fail("open directory", dir, errno);
  return fd;
}

bool is_same_directory(int dir_fd, const std::string& dir) {
  struct stat opened;
  struct stat named;
  return ::fstat(dir_fd, &opened) == 0 && ::stat(dir.c_str(), &named) == 0 &&
         opened.st_dev == named.st_dev && opened.st_ino == named.st_ino;
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
      std::string name = std::string(FileStorage::kTempPrefix) + posix::random_hex();
      fd = posix::open_at(dir_fd_, name.c_str(), O_WRONLY | O_CREAT | O_EXCL, kFileMode);
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

FileStorage::Options FileStorage::parse_options(const Value& options) {
  Options out;
  const Value* fsync = options.is_object() ? options.find(kFsyncOption) : nullptr;
  if (fsync == nullptr || fsync->is_null()) return out;
  if (fsync->is_bool()) {
    out.fsync = fsync->as<bool>();
  } else if (fsync->is_int()) {
    out.fsync = fsync->as<std::int64_t>() != 0;
  } else if (!fsync->is_string() || !parse_bool(fsync->as<std::string>(), out.fsync)) {
    throw ConfigError("file storage option 'fsync' must be a boolean, not " +
                      std::string(Value::kind_name(fsync->kind())));
  }
  return out;
}

std::string FileStorage::local_path_of(std::string_view url) {
  std::string path;
  if (lower(url.substr(0, kUrlPrefix.size())) == kUrlPrefix) {
    std::string_view rest = url.substr(kUrlPrefix.size());
    if (rest.starts_with(kLocalhost)) rest.remove_prefix(kLocalhost.size() - 1);  // keep '/'
    path = percent_decode(rest);
  } else {
    path = std::string(url);
  }
  path = expand_home(path);
  if (path.empty()) {
    throw ConfigError("file storage URL '" + std::string(url) + "' names no directory");
  }
  std::error_code error;
  std::string out = std::filesystem::absolute(path, error).lexically_normal().string();
  if (error) {
    throw ConfigError("cannot make file storage path '" + path + "' absolute: " +
                      error.message());
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

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

namespace {

/// The open file of `key` and its stat, or nullopt when there is no such object.
std::optional<std::pair<UniqueFd, struct stat>> open_object(const std::string& path,
                                                            const Failure& fail) {
  UniqueFd fd = posix::open_at(AT_FDCWD, path.c_str(), O_RDONLY);
  if (!fd.valid()) {
    if (is_missing(errno)) return std::nullopt;
    fail("open", path, errno);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) fail("stat", path, errno);
  if (S_ISDIR(st.st_mode)) return std::nullopt;  // a "directory" of keys is no object
  return std::pair{std::move(fd), st};
}

}  // namespace

std::optional<VersionedObject> FileStorage::read_object(std::string_view key, ByteRange range,
                                                        bool with_generation) {
  // One open file gives both: the generation and the bytes are the same inode's.
  check_key(key);
  const Failure fail{url_, "read", key};
  const std::string path = path_of(key);
  auto object = open_object(path, fail);
  if (!object) return std::nullopt;
  auto& [fd, st] = *object;
  VersionedObject out;
  if (with_generation) out.generation = file_tree::object_info(std::string(key), st).generation;
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
  const std::string path = path_of(key);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (is_missing(errno)) return std::nullopt;
    Failure{url_, "stat", key}("stat", path, errno);
  }
  if (S_ISDIR(st.st_mode)) return std::nullopt;
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
  if (!condition_holds(AT_FDCWD, target, target, condition, fail)) return false;  // step 2
  const KeyParts parts = split_key(key);
  const std::string dir = path_of(parts.dir);
  const std::string name(parts.name);
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    UniqueFd dir_fd = open_parent(dir, options_.fsync, fail);  // step 3
    if (!dir_fd.valid()) continue;
    TempFile temp(dir_fd.get(), dir);  // destroyed (unlinked if not renamed) before dir_fd
    if (!temp.create(data, options_.fsync, fail)) continue;  // step 4
    if (const int err = posix::flock_fd(dir_fd.get(), LOCK_EX)) fail("lock", dir, err);
    if (!is_same_directory(dir_fd.get(), dir)) continue;                      // step 5
    if (!condition_holds(dir_fd.get(), name, target, condition, fail)) return false;  // 6
    if (::renameat(dir_fd.get(), temp.name().c_str(), dir_fd.get(), name.c_str()) != 0) {
      fail("rename " + temp.path() + " to", target, errno);  // step 7
    }
    temp.committed();
    posix::flock_fd(dir_fd.get(), LOCK_UN);
    if (options_.fsync) {  // step 8
      if (const int err = posix::fsync_fd(dir_fd.get())) fail("fsync directory", dir, err);
    }
    return true;
  }
  fail("open directory", dir, ENOENT);  // removed under us kMaxWriteAttempts times
}

std::vector<ObjectInfo> FileStorage::list(std::string_view prefix) {
  check_storage_prefix(prefix, url_);
  const KeyParts parts = split_key(prefix);
  const std::string dir = path_of(parts.dir);
  std::vector<ObjectInfo> out;
  UniqueFd dir_fd = posix::open_directory(AT_FDCWD, dir.c_str());
  if (!dir_fd.valid()) {
    if (is_missing(errno)) return out;  // includes a root not written yet
    Failure{url_, "list", prefix}("open directory", dir, errno);
  }
  std::string key_prefix = parts.dir.empty() ? "" : std::string(parts.dir) + "/";
  file_tree::list_files(std::move(dir_fd), dir, std::move(key_prefix), parts.name, url_, out);
  return out;
}

void FileStorage::remove(const std::vector<std::string>& keys) {
  for (const auto& key : keys) check_key(key);
  // One directory open and lock per directory, however many keys it holds.
  std::map<std::string_view, std::vector<std::string_view>> names_by_dir;
  for (const auto& key : keys) {
    const KeyParts parts = split_key(key);
    names_by_dir[parts.dir].push_back(parts.name);
  }
  std::vector<std::string> touched;
  for (const auto& [dir_key, names] : names_by_dir) {
    const std::string dir = path_of(dir_key);
    const Failure fail{url_, "remove", dir_key};
    UniqueFd dir_fd = posix::open_directory(AT_FDCWD, dir.c_str());
    if (!dir_fd.valid()) {
      if (is_missing(errno)) continue;
      fail("open directory", dir, errno);
    }
    if (const int err = posix::flock_fd(dir_fd.get(), LOCK_EX)) fail("lock", dir, err);
    for (const std::string_view name : names) {
      const std::string name_z(name);
      // EISDIR: the key names a directory of keys, which is no object.
      if (::unlinkat(dir_fd.get(), name_z.c_str(), 0) != 0 && !is_missing(errno) &&
          errno != EISDIR) {
        fail("unlink", dir + "/" + name_z, errno);
      }
    }
    touched.emplace_back(dir_key);
  }
  prune_empty_directories(std::move(touched));
}

std::size_t FileStorage::remove_prefix(std::string_view prefix) {
  check_storage_prefix(prefix, url_);
  const KeyParts parts = split_key(prefix);
  const std::string dir = path_of(parts.dir);
  UniqueFd dir_fd = posix::open_directory(AT_FDCWD, dir.c_str());
  if (!dir_fd.valid()) {
    if (is_missing(errno)) return 0;
    Failure{url_, "remove", prefix}("open directory", dir, errno);
  }
  const std::size_t removed = file_tree::remove_entries(std::move(dir_fd), dir, parts.name, url_);
  prune_empty_directories({std::string(parts.dir)});
  return removed;
}

void FileStorage::prune_empty_directories(std::vector<std::string> dir_keys) const {
  const auto depth = [](std::string_view dir) { return std::count(dir.begin(), dir.end(), '/'); };
  // Deepest first, so a directory is tried after the children that may empty it.
  std::set<std::pair<std::ptrdiff_t, std::string>, std::greater<>> pending;
  for (auto& dir : dir_keys) {
    if (!dir.empty()) pending.emplace(depth(dir), std::move(dir));
  }
  while (!pending.empty()) {
    const auto node = pending.extract(pending.begin());
    const auto& [level, dir] = node.value();
    // ENOTEMPTY / EEXIST: still holds entries; anything else: not ours to remove.
    if (::rmdir(path_of(dir).c_str()) != 0 && errno != ENOENT) continue;
    const std::string_view parent = split_key(dir).dir;
    if (!parent.empty()) pending.emplace(level - 1, std::string(parent));
  }
}

namespace {

const StorageRegistrar kRegistrar(std::string(kScheme), [](const std::string& url,
                                                           const Value& options) {
  return std::make_shared<FileStorage>(url, FileStorage::parse_options(options));
});

}  // namespace

}  // namespace nuthatch
