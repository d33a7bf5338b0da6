#include "engine/levels.hpp"


namespace nuthatch {

const ModePolicy& policy_of(CacheMode mode) {
  //                                 read   read    write  write  replace compute
  //                                 local  global  local  root
  static const ModePolicy kWrite{false, true, false, true, false, true};
  static const ModePolicy kOverwrite{false, true, false, true, true, true};
  static const ModePolicy kReadOnly{true, true, false, false, false, true};
  static const ModePolicy kReadOnlyStrict{true, true, false, false, false, false};
  static const ModePolicy kLocal{true, true, true, false, false, true};
  static const ModePolicy kLocalOverwrite{true, true, true, false, true, true};
  static const ModePolicy kLocalSync{false, true, true, false, true, true};
  static const ModePolicy kLocalStrict{true, false, true, false, false, true};
  static const ModePolicy kLocalApi{true, true, true, false, false, false};
  static const ModePolicy kOff{false, false, false, false, false, true};
  switch (mode) {
    case CacheMode::write: return kWrite;
    case CacheMode::overwrite: return kOverwrite;
    case CacheMode::read_only: return kReadOnly;
    case CacheMode::read_only_strict: return kReadOnlyStrict;
    case CacheMode::local: return kLocal;
    case CacheMode::local_overwrite: return kLocalOverwrite;
    case CacheMode::local_sync: return kLocalSync;
    case CacheMode::local_strict: return kLocalStrict;
    case CacheMode::local_api: return kLocalApi;
    case CacheMode::off: return kOff;
  }
  return kWrite;
}

}  // namespace nuthatch
