#pragma once
// Key and location-path helpers shared by the storage drivers, so every driver accepts and
// rejects exactly the same keys (the conformance suite checks it).

#include <optional>
#include <string>
#include <string_view>

namespace nuthatch {

/// Throws StorageError naming `location` unless `key` is a valid object key: a relative
/// '/'-separated path with no empty, "." or ".." segment and no NUL byte. Such keys can
/// never escape a location's root.
void check_storage_key(std::string_view key, std::string_view location);

/// Like check_storage_key for a list / remove_prefix prefix: it may be empty or end with
/// '/'; its complete segments must be valid and it may not hold a NUL byte.
void check_storage_prefix(std::string_view prefix, std::string_view location);

/// A key made printable for messages (NUL and other control bytes escaped as \xNN).
std::string printable_key(std::string_view key);

/// Expands "~" and "~/..." to the home directory ($HOME, else the password database);
/// any other path is returned unchanged. Throws ConfigError when there is no home.
std::string expand_home(std::string_view path);

/// The directory part and the last segment of a key: "a/b/c" -> {"a/b", "c"}, "c" -> {"", "c"}.
struct KeyParts {
  std::string_view dir;
  std::string_view name;
};
KeyParts split_key(std::string_view key);

/// The bucket (or container) and root of an object-store location.
struct BucketPath {
  std::string bucket;
  std::string root;  ///< "" or a path without slashes at its ends
};
/// Splits `rest`, what follows "<scheme>://" in `url`, at its first '/': the bucket, then
/// the root, whose end slashes are dropped and which is checked like a key. Throws
/// ConfigError "'<url>' names no <noun> (<shape>)" when the bucket is empty.
BucketPath split_bucket_path(std::string_view rest, const std::string& url, std::string_view noun,
                             std::string_view shape);

/// A location's root inside a bucket or container ("" or a path without slashes at its
/// ends): the object-store drivers map location paths to object names through it.
struct ObjectRoot {
  std::string root;
  /// The object name of a location path (or list prefix): "<root>/<path>", or `path`.
  std::string name_of(std::string_view path) const;
  /// The location path of a listed object name, when it lies under the object name
  /// `listed` (name_of(prefix)); otherwise nothing (a store may list more than asked).
  std::optional<std::string> path_of(std::string_view name, std::string_view listed) const;
};

}  // namespace nuthatch
