#include "meta/manifest.hpp"

#include <fmt/format.h>
#include <simdjson.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "common/base64.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"
#include "common/time.hpp"
#include "nuthatch/codec.hpp"
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
  if (!m.code_components.empty()) {
    Value components = Value::object();
    for (const auto& [name, hash] : m.code_components) components[name] = hash;
    v["code_components"] = std::move(components);
  }
  if (m.code_history.is_array() && m.code_history.size() > 0) {
    v["code_history"] = m.code_history;
  }
  if (m.compute_seconds >= 0) v["compute_seconds"] = m.compute_seconds;
  if (m.inline_data) v["inline"] = base64_encode(*m.inline_data);
  if (m.sparse) v["sparse"] = true;
  return to_json(v, 1);
}

namespace {

// Manifests are parsed on every cache hit, so with simdjson (several times faster than a
// tree-building parser for these ~1 KiB documents).
Value element_to_value(simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::NULL_VALUE: return Value();
    case element_type::BOOL: return Value(bool(e.get_bool()));
    case element_type::INT64: return Value(std::int64_t(e.get_int64()));
    case element_type::UINT64: {
      std::uint64_t u = e.get_uint64();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<std::int64_t>(u));
    }
    case element_type::DOUBLE: return Value(double(e.get_double()));
    case element_type::STRING: return Value(std::string_view(e.get_string()));
    case element_type::ARRAY: {
      Value::Array a;
      for (simdjson::dom::element x : e.get_array()) a.push_back(element_to_value(x));
      return Value(std::move(a));
    }
    case element_type::OBJECT: {
      simdjson::dom::object o = e.get_object();
      if (o.size() == 1) {
        std::string_view b64;
        if (o["$bytes"].get(b64) == simdjson::SUCCESS) {
          if (auto raw = base64_decode(b64)) return Value(Bytes(std::move(*raw)));
        }
      }
      Value::Members m;
      for (auto field : o) m.emplace_back(std::string(field.key), element_to_value(field.value));
      return Value(std::move(m));
    }
  }
  return Value();
}

std::string text_field(simdjson::dom::object o, std::string_view name, std::string_view where,
                       bool required = true) {
  simdjson::dom::element e;
  if (o[name].get(e) != simdjson::SUCCESS || e.is_null()) {
    if (required) throw CodecError(fmt::format("manifest {} lacks '{}'", where, name));
    return {};
  }
  std::string_view v;
  if (e.get(v) != simdjson::SUCCESS) {
    throw CodecError(fmt::format("manifest {}: '{}' is not a string", where, name));
  }
  return std::string(v);
}

}  // namespace

Manifest manifest_from_json(std::string_view text, std::string_view where) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(text.data(), text.size()).get(root)) {
    throw CodecError(fmt::format("malformed manifest {}: {}", where, simdjson::error_message(err)));
  }
  simdjson::dom::object o;
  if (root.get(o) != simdjson::SUCCESS) {
    throw CodecError(fmt::format("manifest {} is not a JSON object", where));
  }
  Manifest m;
  std::int64_t format = 0;
  if (o["format"].get(format) != simdjson::SUCCESS) {
    throw CodecError(fmt::format("manifest {} lacks an integer 'format'", where));
  }
  if (format > kManifestFormat) {
    throw NewerFormatError(fmt::format("manifest {} has format {}, written by a newer nuthatch (this engine reads format {})",
                                 where, format, kManifestFormat));
  }
  m.format = static_cast<int>(format);
  m.entry_id = text_field(o, "entry_id", where);
  m.name = text_field(o, "name", where);
  m.key = text_field(o, "key", where);
  m.ns = text_field(o, "namespace", where);
  m.backend = text_field(o, "backend", where);
  m.version = text_field(o, "version", where, false);
  m.state = text_field(o, "state", where);
  if (m.state != "confirmed" && m.state != "null") {
    throw CodecError(fmt::format("manifest {} has unknown state '{}'", where, m.state));
  }
  m.payload = text_field(o, "payload", where, false);
  std::uint64_t bytes = 0;
  if (o["bytes"].get(bytes) == simdjson::SUCCESS) m.bytes = bytes;
  m.checksum = text_field(o, "checksum", where, false);
  simdjson::dom::element args;
  if (o["args"].get(args) == simdjson::SUCCESS) m.args = element_to_value(args);
  m.created = text_field(o, "created", where, false);
  m.user = text_field(o, "user", where, false);
  m.host = text_field(o, "host", where, false);
  if (std::string g = text_field(o, "git_commit", where, false); !g.empty()) m.git_commit = g;
  m.code = text_field(o, "code", where, false);
  m.engine_version = text_field(o, "engine_version", where, false);
  simdjson::dom::object components;
  if (o["code_components"].get(components) == simdjson::SUCCESS) {
    for (auto field : components) {
      std::string_view hash;
      if (field.value.get(hash) != simdjson::SUCCESS) {
        throw CodecError(fmt::format("manifest {}: code component '{}' is not a string", where,
                                     std::string_view(field.key)));
      }
      m.code_components.emplace(std::string(field.key), std::string(hash));
    }
  }
  simdjson::dom::element history;
  if (o["code_history"].get(history) == simdjson::SUCCESS && history.is_array()) {
    m.code_history = element_to_value(history);
  }
  double compute_seconds = -1;
  if (o["compute_seconds"].get(compute_seconds) == simdjson::SUCCESS && compute_seconds >= 0) {
    m.compute_seconds = compute_seconds;
  }
  simdjson::dom::array inputs;
  if (o["inputs"].get(inputs) == simdjson::SUCCESS) {
    for (simdjson::dom::element in : inputs) {
      simdjson::dom::object io;
      if (in.get(io) != simdjson::SUCCESS) {
        throw CodecError(fmt::format("manifest {}: an input is not an object", where));
      }
      m.inputs.push_back({text_field(io, "namespace", where), text_field(io, "key", where),
                          text_field(io, "backend", where), text_field(io, "entry_id", where),
                          text_field(io, "location", where, false)});
    }
  }
  std::string_view inline_b64;
  if (o["inline"].get(inline_b64) == simdjson::SUCCESS) {
    auto raw = base64_decode(inline_b64);
    if (!raw) throw CodecError(fmt::format("manifest {}: 'inline' is not valid base64", where));
    m.inline_data = std::move(*raw);
  }
  bool sparse = false;
  if (o["sparse"].get(sparse) == simdjson::SUCCESS) m.sparse = sparse;
  if (m.state == "confirmed" && m.payload.empty() && !m.inline_data) {
    throw CodecError(fmt::format("manifest {} names neither a payload nor inline data", where));
  }
  return m;
}

std::string manifest_dir(std::string_view ns, std::string_view key) {
  return fmt::format("{}{}/{}/", kMetadataFolder, ns, key);
}

std::string manifest_path(std::string_view ns, std::string_view key, std::string_view backend) {
  return fmt::format("{}{}/{}/{}.json", kMetadataFolder, ns, key, backend);
}

std::string payload_path(std::string_view ns, std::string_view key, std::string_view backend,
                         std::string_view entry_id, std::string_view extension) {
  return fmt::format("data/{}/{}/{}-{}{}", ns, key, backend, entry_id, extension);
}

namespace {
constexpr std::string_view kMarkerSuffix = ".json";
}  // namespace

std::string retirement_marker_path(std::string_view payload) {
  std::string_view rest = payload;
  if (rest.starts_with(kDataPrefix)) rest.remove_prefix(kDataPrefix.size());
  return fmt::format("{}{}{}", kRetiredPrefix, rest, kMarkerSuffix);
}

std::optional<std::string> retired_payload_of(std::string_view marker_path) {
  if (!marker_path.starts_with(kRetiredPrefix) || !marker_path.ends_with(kMarkerSuffix)) {
    return std::nullopt;
  }
  marker_path.remove_prefix(kRetiredPrefix.size());
  marker_path.remove_suffix(kMarkerSuffix.size());
  // <ns>/<key...>/<backend>-<entry id><ext>: at least three segments.
  const auto first = marker_path.find('/');
  const auto last = marker_path.rfind('/');
  if (first == std::string_view::npos || first == last || last + 1 >= marker_path.size()) {
    return std::nullopt;
  }
  return fmt::format("{}{}", kDataPrefix, marker_path);
}

std::optional<ManifestLocation> parse_manifest_path(std::string_view path) {
  constexpr std::string_view kPrefix = kMetadataFolder;
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

namespace {

constexpr std::size_t kMaxUnknownExtension = 16;

// ".ext" of a backend this build has no codec for: a dot and a few lower-case letters or
// digits, so the derived path stays one plain segment.
bool is_plain_extension(std::string_view ext) {
  return ext.size() >= 2 && ext.size() <= kMaxUnknownExtension + 1 && ext.front() == '.' &&
         std::all_of(ext.begin() + 1, ext.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
         });
}

[[noreturn]] void corrupt(std::string_view where, const std::string& why) {
  throw CodecError(fmt::format("corrupt manifest {}: {}", where, why));
}

}  // namespace

Manifest parse_manifest_at(std::string_view text, std::string_view path, std::string_view where) {
  std::optional<ManifestLocation> loc = parse_manifest_path(path);
  if (!loc) corrupt(where, fmt::format("'{}' is not a manifest path", path));
  Manifest m = manifest_from_json(text, where);
  if (m.ns != loc->ns || m.key != loc->key || m.backend != loc->backend) {
    corrupt(where, fmt::format("it names namespace '{}', key '{}', backend '{}', but lies at "
                               "namespace '{}', key '{}', backend '{}'",
                               m.ns, m.key, m.backend, loc->ns, loc->key, loc->backend));
  }
  if (!is_entry_id(m.entry_id)) corrupt(where, fmt::format("malformed entry id '{}'", m.entry_id));
  if (m.is_null() != (m.backend == kNullBackend)) {
    corrupt(where, fmt::format("state '{}' does not fit backend '{}'", m.state, m.backend));
  }
  if (m.is_null() && (!m.payload.empty() || m.inline_data)) {
    corrupt(where, "a null entry names a payload");
  }
  if (m.payload.empty()) return m;
  const std::string stem = payload_path(m.ns, m.key, m.backend, m.entry_id, "");
  std::string_view ext = std::string_view(m.payload).substr(
      std::min(m.payload.size(), stem.size()));
  bool derived = m.payload.starts_with(stem);
  if (derived) {
    if (const Codec* codec = CodecRegistry::find(m.backend)) {
      derived = ext == codec->extension();
    } else {
      derived = is_plain_extension(ext);
    }
  }
  if (!derived) {
    corrupt(where, fmt::format("payload '{}' is not the entry's own path ({}<extension>)",
                               m.payload, stem));
  }
  return m;
}

const std::string& current_user() { return process_stamp().user; }

void stamp_manifest(Manifest& m) {
  const ProcessStamp& s = process_stamp();
  m.created = rfc3339_utc(now_ns());
  m.user = s.user;
  m.host = s.host;
  m.git_commit = s.git_commit;
  m.engine_version = NUTHATCH_ENGINE_VERSION;
}

}  // namespace nuthatch
