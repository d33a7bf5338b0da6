#include "storage/s3/s3_options.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>

#include "common/strings.hpp"
#include "nuthatch/error.hpp"
#include "storage/storage_options.hpp"
#include "storage/storage_paths.hpp"

namespace nuthatch::s3 {
namespace {

constexpr std::string_view kUrlPrefix = "s3://";
constexpr std::string_view kDefaultProfile = "default";
constexpr int kMaxKeysLimit = 1000;

std::string home_file(const char* override_variable, std::string_view relative) {
  if (auto path = env_var(override_variable)) return expand_home(*path);
  try {
    return expand_home("~/" + std::string(relative));
  } catch (const ConfigError&) {
    return {};  // no home directory: no file
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The key = value pairs of section `section` of an INI file (empty when absent).
std::map<std::string, std::string> ini_section(const std::string& path, std::string_view section) {
  std::map<std::string, std::string> out;
  if (path.empty()) return out;
  std::ifstream in(path);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    const std::string_view l = trim(line);
    if (l.empty() || l.front() == '#' || l.front() == ';') continue;
    if (l.front() == '[' && l.back() == ']') {
      inside = trim(l.substr(1, l.size() - 2)) == section;
      continue;
    }
    const std::size_t eq = l.find('=');
    if (inside && eq != std::string_view::npos) {
      out[to_lower(trim(l.substr(0, eq)))] = std::string(trim(l.substr(eq + 1)));
    }
  }
  return out;
}

std::optional<Credentials> find_credentials(const OptionReader& reader,
                                            const std::string& profile) {
  const auto key = reader.text("key");
  const auto secret = reader.text("secret");
  if (key || secret) {
    if (!key || !secret) reader.fail(key ? "secret" : "key", "set together with the other");
    return Credentials{*key, *secret, reader.text("token").value_or("")};
  }
  const auto env_key = env_var("AWS_ACCESS_KEY_ID");
  const auto env_secret = env_var("AWS_SECRET_ACCESS_KEY");
  if (env_key && env_secret) {
    return Credentials{*env_key, *env_secret, env_var("AWS_SESSION_TOKEN").value_or("")};
  }
  auto section = ini_section(home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"), profile);
  if (section.contains("aws_access_key_id") && section.contains("aws_secret_access_key")) {
    return Credentials{section["aws_access_key_id"], section["aws_secret_access_key"],
                       section["aws_session_token"]};
  }
  return std::nullopt;
}

std::string find_region(const OptionReader& reader, const std::string& profile) {
  if (auto region = reader.text("region")) return *region;
  if (auto region = env_var("AWS_REGION")) return *region;
  if (auto region = env_var("AWS_DEFAULT_REGION")) return *region;
  const std::string config = home_file("AWS_CONFIG_FILE", ".aws/config");
  auto section = ini_section(config, profile == kDefaultProfile ? profile : "profile " + profile);
  if (auto it = section.find("region"); it != section.end() && !it->second.empty())
    return it->second;
  return "us-east-1";
}

// Bucket names that can be a DNS label: lower-case letters, digits and '-', no dots (dots
// break TLS wildcard certificates).
bool is_dns_compatible(std::string_view bucket) {
  return bucket.size() >= 3 && bucket.size() <= 63 &&
         std::all_of(bucket.begin(), bucket.end(), [](char c) {
           return std::islower(static_cast<unsigned char>(c)) ||
                  std::isdigit(static_cast<unsigned char>(c)) || c == '-';
         });
}

// "s3://bucket/a/b/" -> bucket "bucket", prefix "a/b".
void split_location(const std::string& url, S3Options& out) {
  if (!url.starts_with(kUrlPrefix)) throw ConfigError("'" + url + "' is not an s3:// URL");
  const std::string_view rest = std::string_view(url).substr(kUrlPrefix.size());
  BucketPath location = split_bucket_path(rest, url, "bucket", "s3://bucket/prefix");
  out.bucket = std::move(location.bucket);
  out.prefix = std::move(location.root);
}

bool virtual_hosted(const OptionReader& reader, bool custom_endpoint, std::string_view bucket) {
  const std::string style = to_lower(reader.text("addressing_style").value_or("auto"));
  if (style == "path") return false;
  if (style == "virtual") return true;
  if (style != "auto") reader.fail("addressing_style", "\"auto\", \"path\" or \"virtual\"");
  return !custom_endpoint && is_dns_compatible(bucket);
}

ConditionalWrites conditional_writes_option(const OptionReader& reader) {
  const std::string mode = to_lower(reader.text("conditional_writes").value_or("auto"));
  if (mode == "auto") return ConditionalWrites::automatic;
  if (mode == "native") return ConditionalWrites::native;
  if (mode == "emulate" || mode == "emulated") return ConditionalWrites::emulated;
  reader.fail("conditional_writes", "\"auto\", \"native\" or \"emulate\"");
}

}  // namespace

S3Options resolve_s3_options(const std::string& url, const Value& options) {
  S3Options out;
  split_location(url, out);
  const OptionReader reader(options, url);
  const std::string profile = reader.text("profile").value_or(
      env_var("AWS_PROFILE").value_or(std::string(kDefaultProfile)));
  out.region = find_region(reader, profile);

  std::optional<std::string> endpoint = reader.text("endpoint_url");
  if (!endpoint) endpoint = env_var("AWS_ENDPOINT_URL_S3");
  if (!endpoint) endpoint = env_var("AWS_ENDPOINT_URL");
  out.endpoint = http::parse_url(endpoint.value_or("https://s3." + out.region + ".amazonaws.com"),
                                 "endpoint_url");
  while (out.endpoint.path.size() > 1 && out.endpoint.path.ends_with('/')) {
    out.endpoint.path.pop_back();
  }
  out.virtual_hosted = virtual_hosted(reader, endpoint.has_value(), out.bucket);

  if (!reader.boolean("anon").value_or(false)) {
    out.credentials = find_credentials(reader, profile);
    if (!out.credentials) {
      throw ConfigError(
          "no S3 credentials for '" + url +
          "': set filesystem_options key and secret, AWS_ACCESS_KEY_ID and "
          "AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials; or anon = true for a "
          "public bucket");
    }
  }

  out.multipart_threshold = reader.count_or("multipart_threshold", out.multipart_threshold);
  out.part_size = std::max(kMinPartSize, reader.count_or("part_size", out.part_size));
  out.part_concurrency = reader.count_or("part_concurrency", out.part_concurrency);
  out.max_keys = reader.count_or("max_keys", out.max_keys, kMaxKeysLimit);
  out.conditional_writes = conditional_writes_option(reader);
  out.client = http::parse_client_options(options, url);
  return out;
}

}  // namespace nuthatch::s3
