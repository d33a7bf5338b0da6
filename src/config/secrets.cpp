#include "config/secrets.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/redact.hpp"
#include "common/strings.hpp"
#include "config/config.hpp"
#include "nuthatch/config.hpp"

namespace nuthatch::config {
namespace {

constexpr std::size_t kMinSecretLength = 4;
constexpr std::array<std::string_view, 7> kSecretWords = {
    "secret", "password", "token", "key", "connection_string", "sas", "signature"};
constexpr std::string_view kSchemeSeparator = "://";
// `<field>=<value>` pairs whose value is a credential (compared lower-cased).
constexpr std::array<std::string_view, 16> kCredentialFields = {
    "sig",
    "signature",
    "x-amz-signature",
    "x-amz-security-token",
    "x-amz-credential",
    "x-goog-signature",
    "x-goog-credential",
    "accountkey",
    "sharedaccesskey",
    "password",
    "token",
    "sas_token",
    "access_token",
    "refresh_token",
    "client_secret",
    "sharedaccesssignature",
};
// An Azure SAS given whole: its value holds '&' and '=' and ends only at ';'.
constexpr std::string_view kSharedAccessSignature = "sharedaccesssignature";

// A part of a text that holds a credential: [begin, end).
struct Span {
  std::size_t begin;
  std::size_t end;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Where a URL ends in running text.
bool ends_url(char c) {
  return is_space(c) || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' || c == '`';
}

// Where a field's value ends; a whole SAS continues over '&', '#' and ','.
bool ends_value(char c, bool whole_sas) {
  if (ends_url(c) || c == ';') return true;
  return !whole_sas && (c == '&' || c == '#' || c == ',' || c == ')' || c == ']' || c == '}');
}

bool is_field_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-';
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The user-info of every URL in `text` ("user:pass" of "https://user:pass@host").
void find_user_info(std::string_view text, std::vector<Span>& spans) {
  for (std::size_t sep = text.find(kSchemeSeparator); sep != std::string_view::npos;
       sep = text.find(kSchemeSeparator, sep + kSchemeSeparator.size())) {
    const std::size_t begin = sep + kSchemeSeparator.size();
    std::size_t end = begin;
    while (end < text.size() && !ends_url(text[end])) ++end;
    const std::string_view url = text.substr(begin, end - begin);
    const std::size_t authority_end = std::min(url.find_first_of("/?#"), url.size());
    const std::string_view authority = url.substr(0, authority_end);
    std::size_t at = authority.rfind('@');
    if (at == std::string_view::npos) {
      // "key:se/cret@bucket": a secret with an unencoded '/' (a colon not followed by a
      // port) still ends at the first '@'.
      const std::size_t colon = authority.find(':');
      if (colon == std::string_view::npos || all_digits(authority.substr(colon + 1))) continue;
      at = url.find('@', authority_end);
      if (at == std::string_view::npos) continue;
    }
    if (at > 0) spans.push_back({begin, begin + at});
  }
}

// The values of credential fields (`sig=...`, `AccountKey=...`).
void find_credential_fields(std::string_view text, std::vector<Span>& spans) {
  for (std::size_t eq = text.find('='); eq != std::string_view::npos; eq = text.find('=', eq + 1)) {
    std::size_t name_begin = eq;
    while (name_begin > 0 && is_field_char(text[name_begin - 1])) --name_begin;
    if (name_begin == eq) continue;
    const std::string name = to_lower(text.substr(name_begin, eq - name_begin));
    if (std::find(kCredentialFields.begin(), kCredentialFields.end(), name) ==
        kCredentialFields.end()) {
      continue;
    }
    const bool whole_sas = name == kSharedAccessSignature;
    std::size_t end = eq + 1;
    while (end < text.size() && !ends_value(text[end], whole_sas)) ++end;
    if (end > eq + 1) spans.push_back({eq + 1, end});
    eq = end - 1;  // the value's own '=' signs are not fields
  }
}

// Every credential span of `text`, sorted, overlapping ones merged.
std::vector<Span> credential_spans(std::string_view text) {
  std::vector<Span> spans;
  if (text.find('=') == std::string_view::npos && text.find('@') == std::string_view::npos) {
    return spans;  // the common case: nothing to look at
  }
  find_user_info(text, spans);
  find_credential_fields(text, spans);
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::vector<Span> merged;
  for (const Span& span : spans) {
    if (!merged.empty() && span.begin <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, span.end);
    } else {
      merged.push_back(span);
    }
  }
  return merged;
}

// Longest first, so a secret that contains a shorter one is masked whole.
struct LongestFirst {
  bool operator()(const std::string& a, const std::string& b) const {
    if (a.size() != b.size()) return a.size() > b.size();
    return a < b;
  }
};

// Every log line and error message goes through redact(), so the common case (no
// secret known) is one atomic load (and mask_credentials() one scan for '=' and '@').
class SecretRegistry {
 public:
  static SecretRegistry& instance() {
    // Never destroyed: log lines written during static destruction still redact.
    static auto* registry = new SecretRegistry;
    return *registry;
  }

  void add(const std::string& value) {
    if (value.size() < kMinSecretLength) return;
    {
      std::shared_lock lock(mutex_);
      if (values_.contains(value)) return;
    }
    std::unique_lock lock(mutex_);
    values_.insert(value);
    any_.store(true, std::memory_order_release);
  }

  std::string redact(std::string text) const {
    if (!any_.load(std::memory_order_acquire)) return text;
    std::shared_lock lock(mutex_);
    for (const std::string& secret : values_) {
      for (auto pos = text.find(secret); pos != std::string::npos;
           pos = text.find(secret, pos + kSecretMask.size())) {
        text.replace(pos, secret.size(), kSecretMask);
      }
    }
    return text;
  }

 private:
  mutable std::shared_mutex mutex_;
  std::atomic<bool> any_{false};
  std::set<std::string, LongestFirst> values_;
};

}  // namespace

bool is_secret_name(const std::string& name) {
  const std::string lower = to_lower(name);
  for (std::string_view word : kSecretWords) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string mask_credentials(std::string text) {
  const std::vector<Span> spans = credential_spans(text);
  if (spans.empty()) return text;
  std::string out;
  out.reserve(text.size());
  std::size_t done = 0;
  for (const Span& span : spans) {
    out.append(text, done, span.begin - done);
    out += kSecretMask;
    done = span.end;
  }
  out.append(text, done);
  return out;
}

void remember_secrets(const Value& value, bool secret) {
  switch (value.kind()) {
    case Value::Kind::string: {
      const std::string& text = value.string_ref();
      if (secret) SecretRegistry::instance().add(text);
      // A credential inside a value (a URL with a password, a connection string) is
      // masked wherever it shows up later, even cut out of its value.
      for (const Span& span : credential_spans(text)) {
        std::string_view part = std::string_view(text).substr(span.begin, span.end - span.begin);
        if (text.compare(span.end, 1, "@") == 0) {
          // User-info: "user:password" and the password alone; a user name alone is
          // masked in its URL but not registered (it would mask ordinary words).
          const std::size_t colon = part.find(':');
          if (colon == std::string_view::npos) continue;
          SecretRegistry::instance().add(std::string(part.substr(colon + 1)));
        }
        SecretRegistry::instance().add(std::string(part));
      }
      return;
    }
    case Value::Kind::array:
      for (const Value& item : value.array_items()) remember_secrets(item, secret);
      return;
    case Value::Kind::object:
      for (const auto& [name, member] : value.members()) {
        remember_secrets(member, secret || is_secret_name(name));
      }
      return;
    default:
      return;
  }
}

Value mask_secrets(const Value& value, bool secret, bool* masked) {
  if (secret) {
    if (masked != nullptr) *masked = true;
    return Value(kSecretMask);
  }
  if (value.is_array()) {
    Value::Array items;
    for (const Value& item : value.array_items()) {
      items.push_back(mask_secrets(item, false, masked));
    }
    return Value(std::move(items));
  }
  if (value.is_object()) {
    Value::Members members;
    for (const auto& [name, member] : value.members()) {
      members.emplace_back(name, mask_secrets(member, is_secret_name(name), masked));
    }
    return Value(std::move(members));
  }
  if (value.is_string()) {
    std::string shown = mask_credentials(value.string_ref());
    if (shown != value.string_ref()) {
      if (masked != nullptr) *masked = true;
      return Value(std::move(shown));
    }
  }
  return value;
}

}  // namespace nuthatch::config

namespace nuthatch {

std::string redact(std::string text) {
  return config::SecretRegistry::instance().redact(config::mask_credentials(std::move(text)));
}

namespace {

// common's logger and nh::Error mask through this hook (common/redact.hpp), installed by
// a static initialiser when the library is loaded (before any API call): the rules above
// stay the only ones, and common never includes config.
const bool redactor_installed = [] {
  set_redactor(&redact);
  return true;
}();

}  // namespace

}  // namespace nuthatch
