#pragma once
// Cache modes as data (DESIGN §4): which levels a mode reads and writes. The levels
// themselves are locations (location/location.hpp).

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

}  // namespace nuthatch
