#pragma once
// Directory-tree walks of the file driver: listings (list, list_pages, temp files) and
// remove_prefix(). They read directories with readdir() and trust d_type, so a directory
// of 100k files costs one fstatat() per file (list) or one unlinkat() per file (remove).
// Every walk starts from an open directory and goes down by descriptor, opening each
// subdirectory with O_NOFOLLOW: a symbolic link below the root is never entered, and a
// link, FIFO, socket or device is never an object (listings skip them; removals unlink
// the entry itself, never what a link points to).

#include <sys/stat.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/storage.hpp"
#include "storage/file/posix_io.hpp"

namespace nuthatch::file_tree {

/// "<st_ino>-<st_mtim in ns>-<st_size>": a rename() always brings a new inode, and every
/// write stamps a fresh ns mtime, so a replaced file never keeps its generation.
std::string generation_of(const struct stat& st);
ObjectInfo object_info(std::string path, const struct stat& st);

/// One entry met by walk(): the descriptor and path of its directory, its key
/// (`key_prefix` + the path below the walk's directory), its name, and its DT_* type
/// (DT_UNKNOWN resolved with lstat; DT_UNKNOWN still when it vanished).
struct WalkEntry {
  int dir_fd;
  const std::string& dir_path;
  const std::string& key;
  const std::string& name;
  unsigned char type;
};
/// Returns true to walk into a directory entry (ignored for other entries).
using WalkVisitor = std::function<bool(const WalkEntry& entry)>;

/// Visits, depth first, every entry below the open directory `dir` (at the top level only
/// those whose name starts with `name_prefix`). Directories are read as streams, one open
/// directory per level, so memory does not grow with the size of a directory or a tree.
/// `dir_path`, `action` and `location` name things in errors. Entries added or removed
/// during the walk may or may not be visited; the others are visited once.
void walk(posix::UniqueFd dir, const std::string& dir_path, const std::string& key_prefix,
          std::string_view name_prefix, std::string_view action, std::string_view location,
          const WalkVisitor& visit);

/// Streams to `page`, in non-empty pages of at most `page_size`, every regular file under
/// `dir` (see walk) except temp files.
void list_files(posix::UniqueFd dir, const std::string& dir_path, const std::string& key_prefix,
                std::string_view name_prefix, std::string_view location, std::size_t page_size,
                const ListPageCallback& page);

/// Removes every entry of the open directory `dir` whose name starts with `name_prefix`,
/// directories with all they hold (links and special files are unlinked, never followed
/// or opened). Returns how many regular files other than temp files were removed. Missing entries
/// are skipped; a directory that a concurrent writer refilled is left in place.
std::size_t remove_entries(posix::UniqueFd dir, const std::string& dir_path,
                           std::string_view name_prefix, std::string_view location);

}  // namespace nuthatch::file_tree
