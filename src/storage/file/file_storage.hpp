#pragma once
// The `file` storage driver: a location is a local directory ("/abs/path", "rel/path",
// "~/path" or "file:///abs/path"); each key is a file under it. The write protocol is
// described at the top of file_storage.cpp.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/storage.hpp"

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
  void remove(const std::vector<std::string>& paths) override;
  /// Removes the matching files and directory trees directly (no list); temp files in
  /// them are removed but not counted. Not serialised with concurrent writes under it.
  std::size_t remove_prefix(std::string_view prefix) override;
  /// The local path of `path`.
  std::string url_of(std::string_view path) const override;

 private:
  /// The bytes of `range` of an object and (when asked: it is formatted) its generation,
  /// from one open file.
  std::optional<VersionedObject> read_object(std::string_view key, ByteRange range,
                                             bool with_generation);
  void check_key(std::string_view key) const;
  /// Absolute path of a key, or of a directory of keys ("" is the root).
  std::string path_of(std::string_view key) const;
  bool put(std::string_view key, std::string_view data, const WriteCondition& condition);
  /// rmdir()s the given directories (keys relative to the root) and then their parents,
  /// deepest first, while they are empty; never the root.
  void prune_empty_directories(std::vector<std::string> dir_keys) const;

  std::string url_;
  std::string root_;
  Options options_;
};

}  // namespace nuthatch
