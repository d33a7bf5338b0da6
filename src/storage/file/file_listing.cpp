// The file driver's listing and removal (the write protocol and its invariants I1-I8 are
// at the top of file_storage.cpp). Removal unlinks under the directory lock (I4) and never
// follows a link (I6); directories left empty are pruned deepest first, up to the root.
// Temp files of in-flight writes (I3) are hidden from listings; `nuthatch gc` finds stale
// ones with list_temp_files and removes them with remove_temp.

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include "nuthatch/error.hpp"
#include "storage/file/directory_tree.hpp"
#include "storage/file/file_storage.hpp"
#include "storage/file/file_support.hpp"
#include "storage/file/posix_io.hpp"
#include "storage/storage_paths.hpp"

namespace nuthatch {

using file_support::Failure;
using file_support::is_missing;
using file_support::lock_directory;
using posix::UniqueFd;

std::vector<ObjectInfo> FileStorage::list(std::string_view prefix) { return collect_pages(prefix); }

void FileStorage::list_pages(std::string_view prefix, const ListPageCallback& page) {
  check_storage_prefix(prefix, url_);
  const KeyParts parts = split_key(prefix);
  const UniqueFd root = open_root("list", prefix);
  if (!root.valid()) return;  // a root not written yet
  const std::string dir = path_of(parts.dir);
  UniqueFd dir_fd = posix::open_beneath(root.get(), parts.dir, O_RDONLY | O_DIRECTORY);
  if (!dir_fd.valid()) {
    if (is_missing(errno) || errno == ELOOP) return;  // nothing, or a link (I6)
    Failure{url_, "list", prefix}("open directory", dir, errno);
  }
  const std::string key_prefix = parts.dir.empty() ? "" : std::string(parts.dir) + "/";
  file_tree::list_files(std::move(dir_fd), dir, key_prefix, parts.name, url_, kListPageSize, page);
}

void FileStorage::remove(const std::vector<std::string>& keys) {
  for (const auto& key : keys) check_key(key);
  if (keys.empty()) return;
  const UniqueFd root = open_root("remove", keys.front());
  if (!root.valid()) return;
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
    UniqueFd dir_fd = posix::open_beneath(root.get(), dir_key, O_RDONLY | O_DIRECTORY);
    if (!dir_fd.valid()) {
      if (is_missing(errno) || errno == ELOOP) continue;  // nothing under a link is ours
      fail("open directory", dir, errno);
    }
    lock_directory(dir_fd.get(), dir, url_, fail);
    for (const std::string_view name : names) {
      const std::string name_z(name);
      // unlinkat never follows a link: a link at a key is removed itself. EISDIR: the key
      // names a directory of keys, which is no object.
      if (::unlinkat(dir_fd.get(), name_z.c_str(), 0) != 0 && !is_missing(errno) &&
          errno != EISDIR) {
        fail("unlink", dir + "/" + name_z, errno);
      }
    }
    touched.emplace_back(dir_key);
  }
  prune_empty_directories(root.get(), std::move(touched));
}

std::size_t FileStorage::remove_prefix(std::string_view prefix) {
  check_storage_prefix(prefix, url_);
  const KeyParts parts = split_key(prefix);
  const UniqueFd root = open_root("remove", prefix);
  if (!root.valid()) return 0;
  const std::string dir = path_of(parts.dir);
  UniqueFd dir_fd = posix::open_beneath(root.get(), parts.dir, O_RDONLY | O_DIRECTORY);
  if (!dir_fd.valid()) {
    if (is_missing(errno) || errno == ELOOP) return 0;  // a linked directory is not entered
    Failure{url_, "remove", prefix}("open directory", dir, errno);
  }
  const std::size_t removed = file_tree::remove_entries(std::move(dir_fd), dir, parts.name, url_);
  prune_empty_directories(root.get(), {std::string(parts.dir)});
  return removed;
}

void FileStorage::prune_empty_directories(int root_fd, std::vector<std::string> dir_keys) const {
  const auto depth = [](std::string_view dir) { return std::count(dir.begin(), dir.end(), '/'); };
  // Deepest first, so a directory is tried after the children that may empty it.
  std::set<std::pair<std::ptrdiff_t, std::string>, std::greater<>> pending;
  for (auto& dir : dir_keys) {
    if (!dir.empty()) pending.emplace(depth(dir), std::move(dir));
  }
  while (!pending.empty()) {
    const auto node = pending.extract(pending.begin());
    const auto& [level, dir] = node.value();
    const KeyParts parts = split_key(dir);
    const UniqueFd parent = posix::open_beneath(root_fd, parts.dir, O_PATH | O_DIRECTORY);
    if (!parent.valid()) continue;  // gone, or a link: not ours to remove
    const std::string name(parts.name);
    // ENOTEMPTY / EEXIST: still holds entries; ENOTDIR: a link or a file now; anything
    // else: not ours to remove.
    if (::unlinkat(parent.get(), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) continue;
    if (!parts.dir.empty()) pending.emplace(level - 1, std::string(parts.dir));
  }
}

bool FileStorage::remove_temp(std::string_view path) {
  check_storage_key(path, url_);
  const KeyParts parts = split_key(path);
  if (!is_temp_name(parts.name)) {
    throw StorageError("cannot remove temp file '" + printable_key(path) + "' in '" + url_ +
                       "': its name does not start with '" + std::string(kTempPrefix) + "'");
  }
  const Failure fail{url_, "remove temp file", path};
  const UniqueFd root = open_root("remove temp file", path);
  if (!root.valid()) return false;
  const std::string dir = path_of(parts.dir);
  UniqueFd dir_fd = posix::open_beneath(root.get(), parts.dir, O_RDONLY | O_DIRECTORY);
  if (!dir_fd.valid()) {
    if (is_missing(errno) || errno == ELOOP) return false;
    fail("open directory", dir, errno);
  }
  lock_directory(dir_fd.get(), dir, url_, fail);
  const std::string name(parts.name);
  struct stat st;
  if (::fstatat(dir_fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (is_missing(errno)) return false;
    fail("stat", path_of(path), errno);
  }
  if (S_ISDIR(st.st_mode)) {
    UniqueFd sub = posix::open_at(dir_fd.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (sub.valid()) file_tree::remove_entries(std::move(sub), path_of(path), {}, url_);
    if (::unlinkat(dir_fd.get(), name.c_str(), AT_REMOVEDIR) != 0 && !is_missing(errno)) {
      fail("remove directory", path_of(path), errno);
    }
  } else if (::unlinkat(dir_fd.get(), name.c_str(), 0) != 0) {
    if (is_missing(errno)) return false;
    fail("unlink", path_of(path), errno);
  }
  dir_fd.reset();  // unlock before pruning
  prune_empty_directories(root.get(), {std::string(parts.dir)});
  return true;
}

void FileStorage::list_temp_files(const std::function<void(const TempEntry&)>& visit) {
  constexpr std::string_view kAction = "list temp files";
  UniqueFd root = open_root(kAction, "");
  if (!root.valid()) return;
  file_tree::walk(
      std::move(root), root_, "", {}, kAction, url_, [&](const file_tree::WalkEntry& entry) {
        if (!is_temp_name(entry.name)) return entry.type == DT_DIR;
        struct stat st;
        if (::fstatat(entry.dir_fd, entry.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
          return false;  // finished (renamed) or removed meanwhile
        }
        visit(TempEntry{entry.key, static_cast<std::uint64_t>(st.st_size), posix::mtime_ns(st),
                        S_ISDIR(st.st_mode)});
        return false;  // a temp directory is reported, not entered
      });
}

}  // namespace nuthatch
