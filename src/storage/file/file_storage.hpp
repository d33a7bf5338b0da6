#pragma once
// The `file` storage driver: a location is a local directory ("/abs/path", "rel/path",
// "~/path" or "file:///abs/path"); each key is a file under it. The write protocol, how
// links and special files are treated, and the supported file systems are described at
// the top of file_storage.cpp.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/storage.hpp"
#include "storage/file/posix_io.hpp"

namespace nuthatch {

class FileStorage final : public Storage {
 public:
  /// Driver options (the `filesystem_options` Value).
  struct Options {
    /// fsync files and directories on write (option `fsync`, default true). Off trades
    /// durability across a power loss for speed; atomicity is kept either way.
    bool fsync = true;
  };
  /// Reads Options from a Value object; unknown members belong to other drivers and are
  /// ignored. Throws ConfigError when `fsync` is not a boolean.
  static Options parse_options(const Value& options);

  /// Opens the directory named by `url` (not created until the first write). Throws
  /// ConfigError when the URL names no local path.
  FileStorage(std::string url, Options options);

  /// Files whose name starts with this are in-flight writes: hidden from list(), and a
  /// key may not have a segment starting with it. `nuthatch gc` removes stale ones.
  static constexpr std::string_view kTempPrefix = ".nh-tmp-";
  static constexpr std::string_view temp_prefix() { return kTempPrefix; }
  static bool is_temp_name(std::string_view file_name) {
    return file_name.starts_with(kTempPrefix);
  }

  /// The local path of a `file` URL ("file:///a" -> "/a"), with '~' expanded, made
  /// absolute and without a trailing '/'.
  static std::string local_path_of(std::string_view url);
  /// The absolute directory of this location.
  const std::string& root() const { return root_; }

  std::string url() const override { return url_; }
  std::optional<std::string> read(std::string_view path, ByteRange range = {}) override;
  std::optional<VersionedObject> read_versioned(std::string_view path) override;
  std::optional<ObjectInfo> stat(std::string_view path) override;
  void write(std::string_view path, std::string_view data) override;
  bool write_if(std::string_view path, std::string_view data,
                const WriteCondition& condition) override;
  std::vector<ObjectInfo> list(std::string_view prefix) override;
  /// Walks one directory at a time (one open directory per level, pages of
  /// kListPageSize), so memory does not grow with the size of the tree.
  void list_pages(std::string_view prefix, const ListPageCallback& page) override;
  void remove(const std::vector<std::string>& paths) override;
  /// Removes the matching files and directory trees directly (no list); temp files in
  /// them are removed but not counted. Not serialised with concurrent writes under it.
  /// A symbolic link is unlinked itself, never followed.
  std::size_t remove_prefix(std::string_view prefix) override;
  /// With `fsync`: fsyncs every regular file and directory under `prefix` (or the file
  /// `prefix`), walking by descriptor without following links, then each directory from
  /// its parent up to the root. Nothing without `fsync`, or when `prefix` does not exist.
  void make_durable(std::string_view prefix) override;
  /// The local path of `path`.
  std::string url_of(std::string_view path) const override;
  std::optional<std::string> local_directory() const override { return url_of(""); }
  std::optional<Value> object_store_options() const override { return Value::object(); }

  /// Calls `visit` for every entry below the location whose name starts with kTempPrefix
  /// (files, directories, and links or other special files of that name), walking one
  /// directory at a time by descriptor: no link is followed and a temp directory is
  /// reported, not entered. Nothing when the root does not exist. Throws StorageError
  /// when a directory cannot be read; an exception from `visit` stops the walk.
  void list_temp_files(const std::function<void(const TempEntry&)>& visit) override;
  /// Removes the temp entry `path` (as list_temp_files() reports it) under the lock of its
  /// directory: a file or link is unlinked (never what a link points to), a directory is
  /// removed with all it holds, by descriptor; then directories left empty are pruned.
  /// Returns false when it was already gone (or a directory on the way is a link). Throws
  /// StorageError, removing nothing, when the last segment of `path` is not a temp name
  /// or another segment is invalid, and when the removal fails.
  bool remove_temp(std::string_view path) override;

 private:
  /// The bytes of `range` of an object and (when asked: it is formatted) its generation,
  /// from one open file.
  std::optional<VersionedObject> read_object(std::string_view key, ByteRange range,
                                             bool with_generation);
  void check_key(std::string_view key) const;
  /// Absolute path of a key, or of a directory of keys ("" is the root).
  std::string path_of(std::string_view key) const;
  /// The open root directory (following links in the root's own path, as configured);
  /// an invalid descriptor when it does not exist yet. `action` and `key` name errors.
  posix::UniqueFd open_root(std::string_view action, std::string_view key) const;
  bool put(std::string_view key, std::string_view data, const WriteCondition& condition);
  /// Removes, from the directories (keys relative to the root) and then their parents,
  /// deepest first, those that are empty: unlinkat(AT_REMOVEDIR) on a parent opened
  /// without following links, so a link is never followed (nor removed); never the root.
  void prune_empty_directories(int root_fd, std::vector<std::string> dir_keys) const;

  std::string url_;
  std::string root_;
  Options options_;
};

}  // namespace nuthatch
