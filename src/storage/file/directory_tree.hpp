#pragma once
// Directory-tree walks of the file driver: list() and remove_prefix(). Both read
// directories with readdir() and trust d_type, so a directory of 100k files costs one
// fstatat() per file (list) or one unlinkat() per file (remove) and nothing more.

#include <sys/stat.h>

#include <cstddef>
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

/// Appends to `out` every file (or symlink to a file) under the open directory `dir`
/// whose name starts with `name_prefix` (at the top level only), recursively; the paths
/// are `key_prefix` + the path below `dir`. Temp files are skipped; symlinked directories
/// are not followed. `dir_path` and `location` name the directory in errors.
void list_files(posix::UniqueFd dir, const std::string& dir_path, std::string key_prefix,
                std::string_view name_prefix, std::string_view location,
                std::vector<ObjectInfo>& out);

/// Removes every entry of the open directory `dir` whose name starts with `name_prefix`,
/// directories with all they hold (symlinks are removed, never followed). Returns how many
/// files other than temp files were removed. Missing entries are skipped; a directory that
/// a concurrent writer refilled is left in place.
std::size_t remove_entries(posix::UniqueFd dir, const std::string& dir_path,
                           std::string_view name_prefix, std::string_view location);

}  // namespace nuthatch::file_tree
