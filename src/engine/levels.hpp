#pragma once
// Cache modes as data (DESIGN §4) and the entry stores of each level.

#include <memory>
#include <string>
#include <vector>

#include "meta/entry_store.hpp"
#include "nuthatch/options.hpp"

namespace nuthatch {

/// One row of the mode table.
struct ModePolicy {
  bool read_local;
  bool read_global;  ///< root and mirrors
  bool write_local;
  bool write_root;
  bool replace;      ///< replace an existing entry without asking
  bool compute;      ///< compute when no entry is found
};
const ModePolicy& policy_of(CacheMode mode);

inline constexpr std::string_view kRootLocation = "root";
inline constexpr std::string_view kLocalLocation = "local";

/// The entry store of a configured location for a backend (per-backend overrides
/// applied). Cached per configuration generation. Throws ConfigError / StorageError.
std::shared_ptr<EntryStore> open_level(const std::string& location, const std::string& backend);

/// Configured mirror locations, in lookup order.
std::vector<std::string> mirror_locations();

}  // namespace nuthatch
