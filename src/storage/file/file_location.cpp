// The file driver's location URLs ("file:///a", "~/a", "rel/a") and options.

#include <cctype>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "nuthatch/error.hpp"
#include "storage/file/file_storage.hpp"
#include "storage/storage_paths.hpp"

namespace nuthatch {
namespace {

constexpr std::string_view kUrlPrefix = "file://";
constexpr std::string_view kLocalhost = "localhost/";
constexpr std::string_view kFsyncOption = "fsync";

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
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
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
    throw ConfigError("cannot make file storage path '" + path + "' absolute: " + error.message());
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace nuthatch
