#pragma once
// The `memory` storage driver (URL "memory://<name>"): objects in a process-wide map of
// named stores, so two opens of the same URL share data. The reference implementation of
// the Storage contract for the conformance suite; also handy in tests of upper layers.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/storage.hpp"

namespace nuthatch {

class MemoryStorage final : public Storage {
 public:
  /// Opens (creating if needed) the store named by `url` ("memory://name"; a trailing '/'
  /// is ignored). Stores live until the process exits; remove_prefix("") empties one.
  explicit MemoryStorage(std::string url);

  std::string url() const override { return url_; }
  std::optional<std::string> read(std::string_view path, ByteRange range = {}) override;
  std::optional<ObjectInfo> stat(std::string_view path) override;
  void write(std::string_view path, std::string_view data) override;
  bool write_if(std::string_view path, std::string_view data,
                const WriteCondition& condition) override;
  std::vector<ObjectInfo> list(std::string_view prefix) override;
  void list_pages(std::string_view prefix, const ListPageCallback& page) override;
  void remove(const std::vector<std::string>& paths) override;
  std::size_t remove_prefix(std::string_view prefix) override;

  struct Store;  // defined in the .cpp

 private:
  std::string url_;
  std::shared_ptr<Store> store_;
};

}  // namespace nuthatch
