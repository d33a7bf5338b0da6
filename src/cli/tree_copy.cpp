#include "cli/tree_copy.hpp"

#include <fmt/format.h>

#include <atomic>
#include <filesystem>

#include "cli/command.hpp"
#include "cli/progress.hpp"

namespace nuthatch::cli {

std::string absolute_url(const std::string& url) {
  if (url.find("://") != std::string::npos || url.starts_with("~")) return url;
  return std::filesystem::absolute(url).lexically_normal().string();
}

std::uint64_t copy_tree(Storage& source, const std::string& source_prefix, Storage& dest,
                        const std::string& dest_prefix, const std::string& what,
                        bool show_progress) {
  const std::vector<ObjectInfo> objects = source.list(source_prefix);
  if (objects.empty()) throw Failure(fmt::format("nothing to copy: no objects under {}", what));
  std::atomic<std::uint64_t> bytes{0};
  Progress progress("copying", objects.size(), show_progress);
  parallel_for(objects.size(), kReadThreads, [&](std::size_t i) {
    const std::string& path = objects[i].path;
    std::optional<std::string> data = source.read(path);
    if (!data) throw Failure(fmt::format("{} vanished during the copy", source.url_of(path)));
    dest.write(dest_prefix + path.substr(source_prefix.size()), *data);
    bytes += data->size();
    progress.advance();
  });
  return bytes;
}

std::optional<std::uint64_t> CopiedTree::write_tree(const TreePlace& place) {
  return copy_tree(*source_, prefix_, place.storage, place.path + "/", what_, show_progress_);
}

Boxed CopiedTree::stored() {
  throw Failure(fmt::format("cannot store {}: the tree was not copied", what_));
}

}  // namespace nuthatch::cli
