#include "engine/overwrite.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>

#include "common/log.hpp"

namespace nuthatch {

bool decide_overwrite(const std::optional<bool>& force_overwrite, const std::string& key,
                      const std::string& location, const std::string& url) {
  if (force_overwrite) return *force_overwrite;
  if (isatty(STDIN_FILENO) && isatty(STDERR_FILENO)) {
    static std::mutex prompt_mu;  // one question at a time
    std::lock_guard lock(prompt_mu);
    std::fprintf(stderr, "A cache entry for '%s' already exists at %s (%s). Overwrite it? [y/N] ",
                 key.c_str(), location.c_str(), url.c_str());
    std::fflush(stderr);
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return answer == "y" || answer == "Y" || answer == "yes";
  }
  log::warn(fmt::format("keeping the existing cache entry for '{}' at {}; the freshly computed "
                        "value is returned but not stored (pass force_overwrite=true to replace "
                        "it)",
                        key, location));
  return false;
}

}  // namespace nuthatch
