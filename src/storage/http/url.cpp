#include "storage/http/url.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "nuthatch/error.hpp"

namespace nuthatch::http {
namespace {

constexpr std::string_view kSchemeSeparator = "://";
constexpr std::string_view kMask = "****";
constexpr std::string_view kHexDigits = "0123456789ABCDEF";
// Query parameters whose values are never shown: names holding one of these (lower-cased)...
constexpr std::array<std::string_view, 5> kSecretParameterParts = {"signature", "credential",
                                                                   "token", "secret", "password"};
// ... or named exactly one of these (Azure SAS "sig", API keys).
constexpr std::array<std::string_view, 6> kSecretParameterNames = {
    "sig", "key", "apikey", "api_key", "api-key", "access_key"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_unreserved(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

bool is_secret_parameter(std::string_view name) {
  const std::string l = lower(name);
  return std::any_of(kSecretParameterParts.begin(), kSecretParameterParts.end(),
                     [&](std::string_view part) { return l.find(part) != std::string::npos; }) ||
         std::find(kSecretParameterNames.begin(), kSecretParameterNames.end(), l) !=
             kSecretParameterNames.end();
}

}  // namespace

std::string Url::authority() const {
  const bool default_port =
      port.empty() || (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
  return default_port ? host : host + ":" + port;
}

Url parse_url(std::string_view text, std::string_view what) {
  auto fail = [&](std::string_view why) -> Url {
    throw ConfigError(std::string(what) + " '" + url_for_message(text) +
                      "' is not a URL: " + std::string(why));
  };
  const std::size_t sep = text.find(kSchemeSeparator);
  if (sep == std::string_view::npos) return fail("expected scheme://host[:port][/path]");
  Url url;
  url.scheme = lower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https")
    return fail("the scheme must be http or https");
  std::string_view rest = text.substr(sep + kSchemeSeparator.size());
  const std::size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  rest.remove_prefix(authority_end);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);  // user-info is never used (nor shown)
  }
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    url.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
    if (url.port.empty() || !std::all_of(url.port.begin(), url.port.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        })) {
      return fail("bad port");
    }
  }
  if (authority.empty()) return fail("no host");
  url.host = lower(authority);
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  if (const std::size_t q = rest.find('?'); q != std::string_view::npos) {
    url.query = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  url.path = rest.empty() ? "/" : std::string(rest);
  return url;
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHexDigits[byte >> 4];
      out += kHexDigits[byte & 0xF];
    }
  }
  return out;
}

std::string canonical_query(std::vector<std::pair<std::string, std::string>> pairs) {
  for (auto& [key, value] : pairs) {
    key = uri_encode(key, false);
    value = uri_encode(value, false);
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [key, value] : pairs) {
    if (!out.empty()) out += '&';
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

std::string url_for_message(std::string_view url) {
  std::string out;
  std::string_view rest = url;
  if (const std::size_t sep = url.find(kSchemeSeparator); sep != std::string_view::npos) {
    const std::size_t authority = sep + kSchemeSeparator.size();
    const std::size_t end = std::min(url.find_first_of("/?#", authority), url.size());
    const std::size_t at = url.substr(0, end).rfind('@');
    if (at != std::string_view::npos && at >= authority) {
      out = std::string(url.substr(0, authority)) + std::string(kMask);
      rest = url.substr(at);
    }
  }
  const std::size_t q = rest.find('?');
  if (q == std::string_view::npos) return out + std::string(rest);
  out += rest.substr(0, q + 1);
  std::string_view query = rest.substr(q + 1);
  std::string_view fragment;
  if (const std::size_t hash = query.find('#'); hash != std::string_view::npos) {
    fragment = query.substr(hash);
    query = query.substr(0, hash);
  }
  std::size_t begin = 0;
  while (begin <= query.size()) {
    const std::size_t amp = std::min(query.find('&', begin), query.size());
    const std::string_view pair = query.substr(begin, amp - begin);
    const std::size_t eq = pair.find('=');
    if (begin != 0) out += '&';
    out += pair.substr(0, eq);
    if (eq != std::string_view::npos) {
      out += '=';
      out += is_secret_parameter(pair.substr(0, eq)) ? kMask : pair.substr(eq + 1);
    }
    begin = amp + 1;
  }
  return out + std::string(fragment);
}

}  // namespace nuthatch::http
