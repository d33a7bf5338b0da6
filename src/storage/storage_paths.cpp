#include "storage/storage_paths.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "nuthatch/error.hpp"

namespace nuthatch {
namespace {

// Returns why `segment` is not a valid key segment, or nullptr when it is.
const char* segment_problem(std::string_view segment) {
  if (segment.empty()) return "empty path segment";
  if (segment == "." || segment == "..") return "'.' or '..' path segment";
  return nullptr;
}

[[noreturn]] void reject(std::string_view what, std::string_view key, std::string_view location,
                         std::string_view reason) {
  throw StorageError(std::string("invalid storage ") + std::string(what) + " '" +
                     printable_key(key) + "' in '" + std::string(location) + "': " +
                     std::string(reason));
}

// Checks the complete segments of `path` (all of them, or all but the last partial one).
void check_segments(std::string_view what, std::string_view path, std::string_view location,
                    bool last_is_partial) {
  if (path.find('\0') != std::string_view::npos) reject(what, path, location, "NUL byte");
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos && last_is_partial) return;
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    const std::string_view segment = path.substr(start, end - start);
    if (const char* problem = segment_problem(segment)) reject(what, path, location, problem);
    if (slash == std::string_view::npos) return;
    start = slash + 1;
  }
}

std::string home_directory() {
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') return home;
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* result = nullptr;
  if (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &result) == 0 &&
      result != nullptr && result->pw_dir != nullptr) {
    return result->pw_dir;
  }
  throw ConfigError("cannot expand '~': HOME is not set and the user has no home directory");
}

}  // namespace

void check_storage_key(std::string_view key, std::string_view location) {
  if (key.empty()) reject("key", key, location, "empty key");
  check_segments("key", key, location, /*last_is_partial=*/false);
}

void check_storage_prefix(std::string_view prefix, std::string_view location) {
  check_segments("prefix", prefix, location, /*last_is_partial=*/true);
}

std::string printable_key(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (const char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out;
}

std::string expand_home(std::string_view path) {
  if (path == "~") return home_directory();
  if (path.starts_with("~/")) {
    std::string home = home_directory();
    if (home.ends_with('/')) home.pop_back();
    return home + std::string(path.substr(1));
  }
  return std::string(path);
}

KeyParts split_key(std::string_view key) {
  const std::size_t slash = key.rfind('/');
  if (slash == std::string_view::npos) return {{}, key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

BucketPath split_bucket_path(std::string_view rest, const std::string& url, std::string_view noun,
                             std::string_view shape) {
  const std::size_t slash = std::min(rest.find('/'), rest.size());
  BucketPath out{.bucket = std::string(rest.substr(0, slash)), .root = {}};
  if (out.bucket.empty()) {
    throw ConfigError("'" + url + "' names no " + std::string(noun) + " (" + std::string(shape) +
                      ")");
  }
  std::string_view prefix = rest.substr(slash);
  while (prefix.starts_with('/')) prefix.remove_prefix(1);
  while (prefix.ends_with('/')) prefix.remove_suffix(1);
  out.root = std::string(prefix);
  if (!out.root.empty()) check_storage_key(out.root, url);
  return out;
}

std::string ObjectRoot::name_of(std::string_view path) const {
  if (root.empty()) return std::string(path);
  std::string out;
  out.reserve(root.size() + 1 + path.size());
  out.append(root).append("/").append(path);
  return out;
}

std::optional<std::string> ObjectRoot::path_of(std::string_view name,
                                               std::string_view listed) const {
  const std::size_t strip = root.empty() ? 0 : root.size() + 1;
  if (name.size() < strip || !name.starts_with(listed)) return std::nullopt;
  return std::string(name.substr(strip));
}

}  // namespace nuthatch
