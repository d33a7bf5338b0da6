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
  throw StorageError("cannot " + std::string(action) + " in '" + std::string(location) +
                     "': " + std::string(op) + " '" + path + "': " + posix::error_text(err));
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
unsigned char entry_type(int dir_fd, const std::string& name, unsigned char type) {
  if (type != DT_UNKNOWN) return type;
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return DT_UNKNOWN;
  if (S_ISDIR(st.st_mode)) return DT_DIR;
  if (S_ISREG(st.st_mode)) return DT_REG;
  if (S_ISLNK(st.st_mode)) return DT_LNK;
  if (S_ISFIFO(st.st_mode)) return DT_FIFO;
  if (S_ISSOCK(st.st_mode)) return DT_SOCK;
  if (S_ISCHR(st.st_mode)) return DT_CHR;
  if (S_ISBLK(st.st_mode)) return DT_BLK;
  return DT_UNKNOWN;
}

UniqueFd open_subdirectory(int dir_fd, const std::string& name, const std::string& path,
                           std::string_view action, std::string_view location) {
  UniqueFd sub = posix::open_at(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  // Gone, or swapped for a link or a file since readdir: nothing to walk into.
  if (!sub.valid() && !is_missing(errno) && errno != ELOOP) {
    fail(action, "open directory", path, location, errno);
  }
  return sub;
}

void walk_stream(DirStream stream, const std::string& dir_path, const std::string& key_prefix,
                 std::string_view name_prefix, std::string_view action, std::string_view location,
                 const WalkVisitor& visit) {
  const int dir_fd = ::dirfd(stream.get());
  std::string key;
  std::string name;
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(stream.get());
    if (entry == nullptr) break;
    name = entry->d_name;
    if (name == "." || name == ".." || !name.starts_with(name_prefix)) continue;
    key = key_prefix + name;
    const unsigned char type = entry_type(dir_fd, name, entry->d_type);
    const bool descend = visit(WalkEntry{dir_fd, dir_path, key, name, type});
    if (!descend || type != DT_DIR) continue;
    const std::string sub_path = dir_path + "/" + name;
    UniqueFd sub = open_subdirectory(dir_fd, name, sub_path, action, location);
    if (!sub.valid()) continue;
    DirStream sub_stream(::fdopendir(sub.get()));
    if (!sub_stream) fail(action, "open directory", sub_path, location, errno);
    sub.release();
    walk_stream(std::move(sub_stream), sub_path, key + "/", {}, action, location, visit);
  }
  if (errno != 0) fail(action, "read directory", dir_path, location, errno);
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

void walk(UniqueFd dir, const std::string& dir_path, const std::string& key_prefix,
          std::string_view name_prefix, std::string_view action, std::string_view location,
          const WalkVisitor& visit) {
  DirStream stream(::fdopendir(dir.get()));
  if (!stream) fail(action, "open directory", dir_path, location, errno);
  dir.release();  // the stream owns it now
  walk_stream(std::move(stream), dir_path, key_prefix, name_prefix, action, location, visit);
}

void list_files(UniqueFd dir, const std::string& dir_path, const std::string& key_prefix,
                std::string_view name_prefix, std::string_view location, std::size_t page_size,
                const ListPageCallback& page) {
  constexpr std::string_view kAction = "list";
  std::vector<ObjectInfo> batch;
  batch.reserve(page_size);
  walk(std::move(dir), dir_path, key_prefix, name_prefix, kAction, location,
       [&](const WalkEntry& entry) {
         if (FileStorage::is_temp_name(entry.name)) return false;
         if (entry.type == DT_DIR) return true;
         // Links, FIFOs, sockets and devices are never objects: not even stat()ed.
         if (entry.type != DT_REG) return false;
         struct stat st;
         if (::fstatat(entry.dir_fd, entry.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
           if (is_missing(errno)) return false;  // removed since readdir
           fail(kAction, "stat", entry.dir_path + "/" + entry.name, location, errno);
         }
         if (!S_ISREG(st.st_mode)) return false;  // replaced since readdir
         batch.push_back(object_info(entry.key, st));
         if (batch.size() >= page_size) {
           page(batch);
           batch.clear();
         }
         return false;
       });
  if (!batch.empty()) page(batch);
}

std::size_t remove_entries(UniqueFd dir, const std::string& dir_path, std::string_view name_prefix,
                           std::string_view location) {
  constexpr std::string_view kAction = "remove";
  const int dir_fd = dir.get();
  const std::vector<Entry> entries = read_entries(dir_fd, dir_path, name_prefix, kAction, location);
  std::size_t removed = 0;
  for (const Entry& entry : entries) {
    const std::string path = dir_path + "/" + entry.name;
    const unsigned char type = entry_type(dir_fd, entry.name, entry.type);
    if (type == DT_DIR) {
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
    // Links and special files are unlinked (never followed) but are no objects.
    if (type == DT_REG && !FileStorage::is_temp_name(entry.name)) ++removed;
  }
  return removed;
}

}  // namespace nuthatch::file_tree
