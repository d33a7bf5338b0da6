#include "storage/gcs/gcs_options.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/json.hpp"
#include "nuthatch/error.hpp"
#include "storage/storage_options.hpp"
#include "storage/storage_paths.hpp"

namespace nuthatch::gcs {
namespace {

constexpr std::string_view kSchemeSeparator = "://";
constexpr int kMaxResultsLimit = 1000;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream all;
  all << in.rdbuf();
  return all.str();
}

Credentials credentials_file(const std::string& path, std::string_view what) {
  const auto text = read_file(path);
  if (!text) throw ConfigError("cannot read the GCS credentials file '" + path + "' (" + std::string(what) + ")");
  return parse_credentials_json(*text, "'" + path + "'");
}

std::string gcloud_default_credentials() {
  std::string dir;
  if (auto config = env_var("CLOUDSDK_CONFIG")) {
    dir = *config;
  } else {
    try {
      dir = expand_home("~/.config/gcloud");
    } catch (const ConfigError&) {
      return {};
    }
  }
  const std::string path = dir + "/application_default_credentials.json";
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) ? path : std::string();
}

// Credentials from the options, then the environment; std::nullopt when none is found.
std::optional<Credentials> find_credentials(const OptionReader& reader) {
  if (reader.boolean("anon").value_or(false)) return Credentials{};
  if (const Value* token = reader.find("token"); token != nullptr && !token->is_null()) {
    if (token->is_object()) return parse_credentials_json(to_json(*token), "filesystem_options.token");
    if (!token->is_string()) reader.fail("token", "a string or a JSON object");
    const std::string text = token->as<std::string>();
    if (text == "anon") return Credentials{};
    std::error_code ec;
    if (text.find('/') != std::string::npos && std::filesystem::is_regular_file(expand_home(text), ec)) {
      return credentials_file(expand_home(text), "filesystem_options.token");
    }
    if (text.starts_with("{")) return parse_credentials_json(text, "filesystem_options.token");
    Credentials bearer;
    bearer.kind = Credentials::Kind::bearer;
    bearer.bearer_token = text;
    return bearer;
  }
  if (auto path = env_var("GOOGLE_APPLICATION_CREDENTIALS")) {
    return credentials_file(*path, "GOOGLE_APPLICATION_CREDENTIALS");
  }
  if (const std::string path = gcloud_default_credentials(); !path.empty()) {
    return credentials_file(path, "gcloud application default credentials");
  }
  return std::nullopt;
}

}  // namespace

GcsOptions resolve_gcs_options(const std::string& url, const Value& options) {
  const std::size_t sep = url.find(kSchemeSeparator);
  const std::string scheme = sep == std::string::npos ? std::string() : url.substr(0, sep);
  if (scheme != "gs" && scheme != "gcs") throw ConfigError("'" + url + "' is not a gs:// URL");
  GcsOptions out;
  const std::string_view rest = std::string_view(url).substr(sep + kSchemeSeparator.size());
  BucketPath location = split_bucket_path(rest, url, "bucket", "gs://bucket/prefix");
  out.bucket = std::move(location.bucket);
  out.prefix = std::move(location.root);

  const OptionReader reader(options, url);
  std::optional<std::string> endpoint = reader.text("endpoint_url");
  if (!endpoint) {
    if (auto host = env_var("STORAGE_EMULATOR_HOST")) {
      endpoint = host->find(kSchemeSeparator) == std::string::npos ? "http://" + *host : *host;
    }
  }
  const bool custom_endpoint = endpoint.has_value();
  out.endpoint = http::parse_url(endpoint.value_or(std::string(kDefaultEndpoint)), "endpoint_url");
  while (out.endpoint.path.size() > 1 && out.endpoint.path.ends_with('/')) out.endpoint.path.pop_back();

  if (auto credentials = find_credentials(reader)) {
    out.credentials = std::move(*credentials);
  } else if (!custom_endpoint) {
    throw ConfigError(
        "no GCS credentials for '" + url +
        "': set filesystem_options.token (a service-account JSON key file, or an access "
        "token), or GOOGLE_APPLICATION_CREDENTIALS; or anon = true for a public bucket");
  }

  out.resumable_threshold = reader.count_or("resumable_threshold", out.resumable_threshold);
  const std::uint64_t chunk = reader.count_or("chunk_size", out.chunk_size);
  out.chunk_size = std::max(kChunkGranularity, chunk / kChunkGranularity * kChunkGranularity);
  out.max_results = reader.count_or("max_results", out.max_results, kMaxResultsLimit);
  out.client = http::parse_client_options(options, url);
  return out;
}

}  // namespace nuthatch::gcs
