#pragma once
// The manifest: the commit point of one entry (DESIGN §3). Stored as JSON at
// meta/<ns>/<key>/<backend>.json (null entries: meta/<ns>/<key>/null.json).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/error.hpp"
#include "nuthatch/value.hpp"

namespace nuthatch {

inline constexpr int kManifestFormat = 1;
/// Payloads up to this size are inlined in the manifest (base64), so a hit is one read.
inline constexpr std::size_t kInlineMaxBytes = 4096;
/// Namespace segment written when an entry has no namespace.
inline constexpr std::string_view kNoNamespace = "_";
/// The object that marks a location as a nuthatch store: {"format": 1}.
inline constexpr std::string_view kStoreMarker = "nuthatch.json";
/// Where payloads and retirement markers live under a location.
inline constexpr std::string_view kDataPrefix = "data/";
inline constexpr std::string_view kRetiredPrefix = "retired/";
/// The reserved backend name of null entries.
inline constexpr std::string_view kNullBackend = "null";

/// An entry read while computing another one (lineage).
struct InputRef {
  std::string ns;
  std::string key;
  std::string backend;
  std::string entry_id;
  std::string location;
  friend bool operator==(const InputRef&, const InputRef&) = default;
};

struct Manifest {
  int format = kManifestFormat;
  std::string entry_id;
  std::string name;
  std::string key;
  std::string ns = std::string(kNoNamespace);
  std::string backend;
  std::string version;
  std::string state = "confirmed";  ///< "confirmed" | "null"
  std::string payload;              ///< path relative to the location; "" when inline / null
  std::uint64_t bytes = 0;
  std::string checksum;             ///< "xxh3-128:<hex>" of single-file payloads
  Value args = Value::object();
  std::string created;
  std::string user;
  std::string host;
  std::optional<std::string> git_commit;
  std::string code;  ///< the code fingerprint's digest ("py:<hex>", "cxx:<hex>")
  /// The fingerprint's named components (component -> hash, or the text of a version);
  /// empty for entries written before components were recorded (DESIGN §4 Staleness).
  std::map<std::string, std::string> code_components;
  /// The fingerprints `bless` replaced, oldest first: [{code, code_components, replaced,
  /// user}]. The history of which code an entry was declared equivalent to.
  Value code_history = Value::array();
  /// Seconds the function ran to compute the value; negative when not recorded.
  double compute_seconds = -1;
  std::vector<InputRef> inputs;
  std::string engine_version;
  std::optional<std::string> inline_data;  ///< raw payload bytes when inlined
  /// The payload may lack chunks that read as fill values (a store registered by
  /// `nuthatch import`). Payloads the engine writes hold every chunk, so a chunk missing
  /// from them is damage, never "unwritten" (PayloadLocation::missing_chunks).
  bool sparse = false;
  /// Found in the original Nuthatch's layout (meta/legacy_layout.hpp): no version,
  /// checksum or stamps were recorded. Never serialized.
  bool legacy = false;
  /// Records no version this engine compares: the original's entries, read in place
  /// (legacy) or filed by `nuthatch migrate`. Never serialized.
  bool unversioned = false;

  bool is_null() const { return state == "null"; }
};

std::string manifest_to_json(const Manifest& m);
/// Throws CodecError naming `where` when the text is not a valid manifest, and
/// NewerFormatError when it was written by a newer format than this engine reads.
Manifest manifest_from_json(std::string_view text, std::string_view where);

/// A manifest written by a newer nuthatch: readable by nobody here, and never to be
/// overwritten by this engine (it would destroy an entry newer engines can read).
class NewerFormatError : public CodecError {
 public:
  using CodecError::CodecError;
};

/// Parses the manifest stored at `path` (relative to its location) and checks that it
/// belongs there: its namespace, key and backend are the ones its path names, its entry
/// id is well formed, a null entry names no payload, and its payload is the path the
/// engine derives from those fields (payload_path(), with the codec's extension when the
/// backend's codec is registered). Anything else is corrupt (CodecError naming `where`):
/// a manifest never decides which path is read or deleted.
Manifest parse_manifest_at(std::string_view text, std::string_view path, std::string_view where);

/// The folder of every manifest of a store.
inline constexpr std::string_view kMetadataFolder = "meta/";

/// meta/<ns>/<key>/<backend>.json
std::string manifest_path(std::string_view ns, std::string_view key, std::string_view backend);
/// meta/<ns>/<key>/
std::string manifest_dir(std::string_view ns, std::string_view key);
/// data/<ns>/<key>/<backend>-<entry_id><ext>
std::string payload_path(std::string_view ns, std::string_view key, std::string_view backend,
                         std::string_view entry_id, std::string_view extension);

/// retired/<ns>/<key>/<backend>-<entry_id><ext>.json: the marker that a payload no
/// manifest names any more was retired at the marker's storage time (`nuthatch gc`
/// reclaims it after the grace period). `payload` is a payload_path().
std::string retirement_marker_path(std::string_view payload);
/// The payload a retirement marker stands for; std::nullopt for other paths.
std::optional<std::string> retired_payload_of(std::string_view marker_path);

/// A manifest path split back into its parts; std::nullopt for other paths.
struct ManifestLocation {
  std::string ns;
  std::string key;
  std::string backend;
};
std::optional<ManifestLocation> parse_manifest_path(std::string_view path);

/// Values filled in for every new manifest: user, host, git commit of the project,
/// engine version, creation time.
void stamp_manifest(Manifest& m);
/// The user stamped into manifests ($USER, else the account's name).
const std::string& current_user();

}  // namespace nuthatch
