#include "storage/file/directory_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <utility>

#include "nuthatch/error.hpp"
#include "storage/file/file_storage.hpp"

namespace nuthatch::file_tree {
namespace {

using posix::UniqueFd;

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};
using DirStream = std::unique_ptr<DIR, DirCloser>;

bool is_missing(int err) { return err == ENOENT || err == ENOTDIR; }

[[noreturn]] void fail(std::string_view action, std::string_view op, const std::string& path,
                       std::string_view location, int err) {
  throw StorageError("cannot " + std::string(action) + " in '" + std::string(location) + "': " +
                     std::string(op) + " '" + path + "': " + posix::error_text(err));
}

struct Entry {
  std::string name;
  unsigned char type;  // DT_* from readdir; DT_UNKNOWN on file systems that do not say
};

// The entries of the directory `dir_fd` (not "." and ".."), whose names start with
// `name_prefix`. Read in full before the caller acts on them: removing entries while
// readdir() is still iterating may skip others.
std::vector<Entry> read_entries(int dir_fd, const std::string& dir_path,
                                std::string_view name_prefix, std::string_view action,
                                std::string_view location) {
  // The stream owns (and closes) its descriptor; the caller keeps `dir_fd` for *at() calls.
  UniqueFd own(::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0));
  if (!own.valid()) fail(action, "dup", dir_path, location, errno);
  DirStream stream(::fdopendir(own.get()));
  if (!stream) fail(action, "open directory", dir_path, location, errno);
  own.release();
  std::vector<Entry> entries;
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(stream.get());
    if (entry == nullptr) break;
    const std::string_view name = entry->d_name;
    if (name == "." || name == ".." || !name.starts_with(name_prefix)) continue;
    entries.push_back({std::string(name), entry->d_type});
  }
  if (errno != 0) fail(action, "read directory", dir_path, location, errno);
  return entries;
}

// Resolves DT_UNKNOWN with lstat; DT_UNKNOWN again when the entry is gone.
unsigned char entry_type(int dir_fd, const Entry& entry) {
  if (entry.type != DT_UNKNOWN) return entry.type;
  struct stat st;
  if (::fstatat(dir_fd, entry.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return DT_UNKNOWN;
  if (S_ISDIR(st.st_mode)) return DT_DIR;
  if (S_ISREG(st.st_mode)) return DT_REG;
  if (S_ISLNK(st.st_mode)) return DT_LNK;
  return DT_UNKNOWN;
}

UniqueFd open_subdirectory(int dir_fd, const std::string& name, const std::string& path,
                           std::string_view action, std::string_view location) {
  UniqueFd sub = posix::open_at(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (!sub.valid() && !is_missing(errno) && errno != ELOOP) {
    fail(action, "open directory", path, location, errno);
  }
  return sub;
}

}  // namespace

std::string generation_of(const struct stat& st) {
  return std::to_string(st.st_ino) + "-" + std::to_string(posix::mtime_ns(st)) + "-" +
         std::to_string(st.st_size);
}

ObjectInfo object_info(std::string path, const struct stat& st) {
  return {std::move(path), static_cast<std::uint64_t>(st.st_size), posix::mtime_ns(st),
          generation_of(st)};
}

void list_files(UniqueFd dir, const std::string& dir_path, std::string key_prefix,
                std::string_view name_prefix, std::string_view location,
                std::vector<ObjectInfo>& out) {
  constexpr std::string_view kAction = "list";
  const int dir_fd = dir.get();
  const std::vector<Entry> entries =
      read_entries(dir_fd, dir_path, name_prefix, kAction, location);
  for (const Entry& entry : entries) {
    if (FileStorage::is_temp_name(entry.name)) continue;
    const unsigned char type = entry_type(dir_fd, entry);
    if (type == DT_DIR) {
      const std::string sub_path = dir_path + "/" + entry.name;
      UniqueFd sub = open_subdirectory(dir_fd, entry.name, sub_path, kAction, location);
      if (sub.valid()) {
        list_files(std::move(sub), sub_path, key_prefix + entry.name + "/", {}, location, out);
      }
      continue;
    }
    if (type != DT_REG && type != DT_LNK) continue;
    struct stat st;
    // Symlinks are followed to files (read() follows them too), never to directories.
    const int flags = type == DT_REG ? AT_SYMLINK_NOFOLLOW : 0;
    if (::fstatat(dir_fd, entry.name.c_str(), &st, flags) != 0) {
      if (is_missing(errno)) continue;  // removed since readdir
      fail(kAction, "stat", dir_path + "/" + entry.name, location, errno);
    }
    if (S_ISREG(st.st_mode)) out.push_back(object_info(key_prefix + entry.name, st));
  }
}

std::size_t remove_entries(UniqueFd dir, const std::string& dir_path,
                           std::string_view name_prefix, std::string_view location) {
  constexpr std::string_view kAction = "remove";
  const int dir_fd = dir.get();
  const std::vector<Entry> entries =
      read_entries(dir_fd, dir_path, name_prefix, kAction, location);
  std::size_t removed = 0;
  for (const Entry& entry : entries) {
    const std::string path = dir_path + "/" + entry.name;
    if (entry_type(dir_fd, entry) == DT_DIR) {
      UniqueFd sub = open_subdirectory(dir_fd, entry.name, path, kAction, location);
      if (sub.valid()) removed += remove_entries(std::move(sub), path, {}, location);
      if (::unlinkat(dir_fd, entry.name.c_str(), AT_REMOVEDIR) != 0 && !is_missing(errno) &&
          errno != ENOTEMPTY && errno != EEXIST) {
        fail(kAction, "remove directory", path, location, errno);
      }
      continue;
    }
    if (::unlinkat(dir_fd, entry.name.c_str(), 0) != 0) {
      if (is_missing(errno)) continue;
      fail(kAction, "unlink", path, location, errno);
    }
    if (!FileStorage::is_temp_name(entry.name)) ++removed;
  }
  return removed;
}

}  // namespace nuthatch::file_tree
