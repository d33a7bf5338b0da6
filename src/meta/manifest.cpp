#include "meta/manifest.hpp"

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "common/base64.hpp"
#include "common/json.hpp"
#include "common/time.hpp"
#include <filesystem>

#ifndef NUTHATCH_ENGINE_VERSION
#define NUTHATCH_ENGINE_VERSION "0.0.0"
#endif

namespace nuthatch {
namespace {

Value inputs_to_value(const std::vector<InputRef>& inputs) {
  Value::Array a;
  a.reserve(inputs.size());
  for (const auto& in : inputs) {
    a.push_back(Value::object({{"namespace", in.ns},
                               {"key", in.key},
                               {"backend", in.backend},
                               {"entry_id", in.entry_id},
                               {"location", in.location}}));
  }
  return Value(std::move(a));
}

std::string str_member(const Value& v, std::string_view name, std::string_view where,
                       bool required = true) {
  const Value* m = v.find(name);
  if (m == nullptr || m->is_null()) {
    if (required) throw CodecError(fmt::format("manifest {} lacks '{}'", where, name));
    return {};
  }
  if (!m->is_string()) throw CodecError(fmt::format("manifest {}: '{}' is not a string", where, name));
  return m->as<std::string>();
}

std::string read_first_line(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

std::optional<std::string> find_git_commit() {
  std::error_code ec;
  for (auto dir = std::filesystem::current_path(ec); !ec && !dir.empty();
       dir = dir.parent_path()) {
    auto git = dir / ".git";
    if (std::filesystem::is_directory(git, ec)) {
      std::string head = read_first_line(git / "HEAD");
      if (head.rfind("ref: ", 0) != 0) return head.empty() ? std::nullopt : std::optional(head);
      std::string ref = head.substr(5);
      std::string sha = read_first_line(git / ref);
      if (!sha.empty()) return sha;
      std::ifstream packed(git / "packed-refs");
      for (std::string line; std::getline(packed, line);) {
        if (line.size() > 41 && line.compare(41, std::string::npos, ref) == 0) {
          return line.substr(0, 40);
        }
      }
      return std::nullopt;
    }
    if (dir == dir.root_path()) break;
  }
  return std::nullopt;
}

struct ProcessStamp {
  std::string user;
  std::string host;
  std::optional<std::string> git_commit;
};

const ProcessStamp& process_stamp() {
  static const ProcessStamp stamp = [] {
    ProcessStamp s;
    if (const char* u = std::getenv("USER")) s.user = u;
    if (s.user.empty()) {
      if (passwd* pw = getpwuid(getuid())) s.user = pw->pw_name;
    }
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) == 0) s.host = host;
    s.git_commit = find_git_commit();
    return s;
  }();
  return stamp;
}

}  // namespace

std::string manifest_to_json(const Manifest& m) {
  Value v = Value::object({
      {"format", m.format},
      {"entry_id", m.entry_id},
      {"name", m.name},
      {"key", m.key},
      {"namespace", m.ns},
      {"backend", m.backend},
      {"version", m.version},
      {"state", m.state},
      {"payload", m.payload.empty() ? Value() : Value(m.payload)},
      {"bytes", static_cast<std::int64_t>(m.bytes)},
      {"checksum", m.checksum.empty() ? Value() : Value(m.checksum)},
      {"args", m.args},
      {"created", m.created},
      {"user", m.user},
      {"host", m.host},
      {"git_commit", m.git_commit ? Value(*m.git_commit) : Value()},
      {"code", m.code},
      {"inputs", inputs_to_value(m.inputs)},
      {"engine_version", m.engine_version},
  });
  if (m.inline_data) v["inline"] = base64_encode(*m.inline_data);
  return to_json(v, 1);
}

Manifest manifest_from_json(std::string_view text, std::string_view where) {
  Value v = from_json(text, fmt::format("manifest {}", where));
  if (!v.is_object()) throw CodecError(fmt::format("manifest {} is not a JSON object", where));
  Manifest m;
  const Value* format = v.find("format");
  if (format == nullptr || !format->is_int()) {
    throw CodecError(fmt::format("manifest {} lacks an integer 'format'", where));
  }
  m.format = format->as<int>();
  if (m.format > kManifestFormat) {
    throw CodecError(fmt::format("manifest {} has format {}, newer than this engine reads ({})",
                                 where, m.format, kManifestFormat));
  }
  m.entry_id = str_member(v, "entry_id", where);
  m.name = str_member(v, "name", where);
  m.key = str_member(v, "key", where);
  m.ns = str_member(v, "namespace", where);
  m.backend = str_member(v, "backend", where);
  m.version = str_member(v, "version", where, false);
  m.state = str_member(v, "state", where);
  if (m.state != "confirmed" && m.state != "null") {
    throw CodecError(fmt::format("manifest {} has unknown state '{}'", where, m.state));
  }
  m.payload = str_member(v, "payload", where, false);
  if (const Value* b = v.find("bytes"); b && b->is_int()) m.bytes = b->as<std::uint64_t>();
  m.checksum = str_member(v, "checksum", where, false);
  if (const Value* a = v.find("args")) m.args = *a;
  m.created = str_member(v, "created", where, false);
  m.user = str_member(v, "user", where, false);
  m.host = str_member(v, "host", where, false);
  if (const Value* g = v.find("git_commit"); g && g->is_string()) m.git_commit = g->as<std::string>();
  m.code = str_member(v, "code", where, false);
  m.engine_version = str_member(v, "engine_version", where, false);
  if (const Value* ins = v.find("inputs"); ins && ins->is_array()) {
    for (const auto& in : ins->array_items()) {
      m.inputs.push_back({str_member(in, "namespace", where), str_member(in, "key", where),
                          str_member(in, "backend", where), str_member(in, "entry_id", where),
                          str_member(in, "location", where, false)});
    }
  }
  if (const Value* in = v.find("inline"); in && in->is_string()) {
    auto raw = base64_decode(in->as<std::string>());
    if (!raw) throw CodecError(fmt::format("manifest {}: 'inline' is not valid base64", where));
    m.inline_data = std::move(*raw);
  }
  if (m.state == "confirmed" && m.payload.empty() && !m.inline_data) {
    throw CodecError(fmt::format("manifest {} names neither a payload nor inline data", where));
  }
  return m;
}

std::string manifest_dir(std::string_view ns, std::string_view key) {
  return fmt::format("meta/{}/{}/", ns, key);
}

std::string manifest_path(std::string_view ns, std::string_view key, std::string_view backend) {
  return fmt::format("meta/{}/{}/{}.json", ns, key, backend);
}

std::string payload_path(std::string_view ns, std::string_view key, std::string_view backend,
                         std::string_view entry_id, std::string_view extension) {
  return fmt::format("data/{}/{}/{}-{}{}", ns, key, backend, entry_id, extension);
}

std::optional<ManifestLocation> parse_manifest_path(std::string_view path) {
  constexpr std::string_view kPrefix = "meta/";
  constexpr std::string_view kSuffix = ".json";
  if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix)) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  path.remove_suffix(kSuffix.size());
  auto ns_end = path.find('/');
  auto backend_start = path.rfind('/');
  if (ns_end == std::string_view::npos || backend_start == ns_end) return std::nullopt;
  ManifestLocation loc{std::string(path.substr(0, ns_end)),
                       std::string(path.substr(ns_end + 1, backend_start - ns_end - 1)),
                       std::string(path.substr(backend_start + 1))};
  if (loc.ns.empty() || loc.key.empty() || loc.backend.empty()) return std::nullopt;
  return loc;
}

void stamp_manifest(Manifest& m) {
  const ProcessStamp& s = process_stamp();
  m.created = rfc3339_utc(now_ns());
  m.user = s.user;
  m.host = s.host;
  m.git_commit = s.git_commit;
  m.engine_version = NUTHATCH_ENGINE_VERSION;
}

}  // namespace nuthatch
