#pragma once
#include <optional>
#include <string>

namespace nuthatch {

/// The overwrite rule (DESIGN §4): `force_overwrite` decides when set; otherwise ask
/// the user (ask_user, nuthatch/prompt.hpp); when nobody answers, keep the existing entry
/// and log a warning.
bool decide_overwrite(const std::optional<bool>& force_overwrite, const std::string& key,
                      const std::string& location, const std::string& url);

}  // namespace nuthatch
