#include "storage/azure/azure_options.hpp"

#include <algorithm>
#include <map>

#include "common/base64.hpp"
#include "common/strings.hpp"
#include "nuthatch/error.hpp"
#include "storage/storage_options.hpp"
#include "storage/storage_paths.hpp"

namespace nuthatch::azure {
namespace {

constexpr std::string_view kUrlPrefix = "az://";
constexpr int kMaxResultsLimit = 5000;
constexpr std::uint64_t kMaxBlockSize = 4000ULL * 1024 * 1024;
// Azurite's well-known development account (public; documented by Microsoft).
constexpr std::string_view kDevAccount = "devstoreaccount1";
constexpr std::string_view kDevKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
constexpr std::string_view kDevEndpoint = "http://127.0.0.1:10000/devstoreaccount1";

// What a location's settings say, before defaults.
struct Settings {
  std::optional<std::string> account;
  std::optional<std::string> key;
  std::optional<std::string> sas;
  std::optional<std::string> endpoint;
  std::optional<std::string> protocol;
  std::optional<std::string> suffix;
};

// "Name=Value;Name=Value" (values may hold '='). Keys are matched case-insensitively.
Settings parse_connection_string(std::string_view text, std::string_view source) {
  std::map<std::string, std::string> parts;
  for (const std::string& part : split(text, ';')) {
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    if (eq == std::string::npos) {
      throw ConfigError("the Azure connection string in " + std::string(source) +
                        " has a part without '=' (expected Name=Value;...)");
    }
    parts[to_lower(part.substr(0, eq))] = part.substr(eq + 1);
  }
  auto get = [&](const char* name) -> std::optional<std::string> {
    const auto it = parts.find(name);
    if (it == parts.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  Settings s;
  if (to_lower(get("usedevelopmentstorage").value_or("")) == "true") {
    s.account = std::string(kDevAccount);
    s.key = std::string(kDevKey);
    s.endpoint = std::string(kDevEndpoint);
  }
  if (auto v = get("accountname")) s.account = v;
  if (auto v = get("accountkey")) s.key = v;
  if (auto v = get("sharedaccesssignature")) s.sas = v;
  if (auto v = get("blobendpoint")) s.endpoint = v;
  if (auto v = get("defaultendpointsprotocol")) s.protocol = v;
  if (auto v = get("endpointsuffix")) s.suffix = v;
  return s;
}

void overlay(Settings& base, const Settings& top) {
  if (top.account) base.account = top.account;
  if (top.key) base.key = top.key;
  if (top.sas) base.sas = top.sas;
  if (top.endpoint) base.endpoint = top.endpoint;
  if (top.protocol) base.protocol = top.protocol;
  if (top.suffix) base.suffix = top.suffix;
}

Settings environment_settings() {
  Settings s;
  if (auto cs = env_var("AZURE_STORAGE_CONNECTION_STRING")) {
    s = parse_connection_string(*cs, "AZURE_STORAGE_CONNECTION_STRING");
  }
  if (!s.key && !s.sas) {
    s.key = env_var("AZURE_STORAGE_KEY");
    s.sas = env_var("AZURE_STORAGE_SAS_TOKEN");
  }
  if (!s.account) s.account = env_var("AZURE_STORAGE_ACCOUNT");
  return s;
}

// The account a path-style endpoint names ("http://host:port/<account>"), if any.
std::string account_of_endpoint(const http::Url& endpoint) {
  std::string_view path = endpoint.path;
  while (path.starts_with('/')) path.remove_prefix(1);
  return std::string(path.substr(0, path.find('/')));
}

}  // namespace

AzureOptions resolve_azure_options(const std::string& url, const Value& options) {
  if (!url.starts_with(kUrlPrefix)) throw ConfigError("'" + url + "' is not an az:// URL");
  AzureOptions out;
  const std::string_view rest = std::string_view(url).substr(kUrlPrefix.size());
  BucketPath location = split_bucket_path(rest, url, "container", "az://container/prefix");
  out.container = std::move(location.bucket);
  out.prefix = std::move(location.root);

  const OptionReader reader(options, url);
  const bool anon = reader.boolean("anon").value_or(false);
  Settings given;
  if (auto cs = reader.text("connection_string")) {
    given = parse_connection_string(*cs, "filesystem_options.connection_string of '" + url + "'");
  }
  if (auto v = reader.text("account_name")) given.account = v;
  if (auto v = reader.text("account_key")) given.key = v;
  if (auto v = reader.text("sas_token")) given.sas = v;
  if (auto v = reader.text("endpoint_url")) given.endpoint = v;
  Settings s = environment_settings();
  if (anon) s.key = s.sas = std::nullopt;
  if (given.key || given.sas || anon) s.key = s.sas = std::nullopt;  // options' credentials only
  overlay(s, given);

  if (s.endpoint) {
    out.endpoint = http::parse_url(*s.endpoint, "endpoint_url");
  } else {
    if (!s.account) {
      throw ConfigError("no Azure storage account for '" + url +
                        "': set filesystem_options.account_name (or AZURE_STORAGE_ACCOUNT), a "
                        "connection_string, or endpoint_url");
    }
    out.endpoint = http::parse_url(s.protocol.value_or("https") + "://" + *s.account + ".blob." +
                                       s.suffix.value_or("core.windows.net"),
                                   "endpoint_url");
  }
  while (out.endpoint.path.size() > 1 && out.endpoint.path.ends_with('/')) out.endpoint.path.pop_back();
  if (!out.endpoint.query.empty()) {
    throw ConfigError("filesystem_options.endpoint_url of '" + url +
                      "' may not hold a query: give a SAS token as sas_token");
  }
  out.account_name = s.account.value_or(account_of_endpoint(out.endpoint));

  if (!anon) {
    if (s.key) {
      if (!base64_decode(*s.key) || s.key->empty()) {
        reader.fail("account_key", "the base64 account key");
      }
      out.account_key = *s.key;
    } else if (s.sas) {
      std::string_view sas = *s.sas;
      while (sas.starts_with('?')) sas.remove_prefix(1);
      out.sas_token = std::string(sas);
    } else {
      throw ConfigError("no Azure credentials for '" + url +
                        "': set filesystem_options account_key or sas_token (or a "
                        "connection_string), AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN or "
                        "AZURE_STORAGE_CONNECTION_STRING; or anon = true for a public container");
    }
    if (out.account_name.empty() && !out.account_key.empty()) {
      throw ConfigError("no Azure storage account for '" + url +
                        "': Shared Key needs filesystem_options.account_name");
    }
  }

  out.block_threshold = reader.count_or("block_threshold", out.block_threshold);
  out.block_size = reader.count_or("block_size", out.block_size, kMaxBlockSize);
  out.block_concurrency = reader.count_or("block_concurrency", out.block_concurrency);
  out.max_results = reader.count_or("max_results", out.max_results, kMaxResultsLimit);
  out.client = http::parse_client_options(options, url);
  return out;
}

}  // namespace nuthatch::azure
