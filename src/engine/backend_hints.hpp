#pragma once
// Per function, the backend its entries were last found or written in, for front ends
// that cannot name the backend before computing (ResultAdapter::default_backend() ""):
// the lookup tries that backend's manifest first instead of listing the key. A wrong hint
// costs one missed read; the listing follows as before. Forgotten when the configuration
// changes (the locations may have moved).

#include <optional>
#include <string>

namespace nuthatch::backend_hints {

std::optional<std::string> get(const std::string& function);
void put(const std::string& function, const std::string& backend);
void clear();

}  // namespace nuthatch::backend_hints
