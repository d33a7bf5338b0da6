#pragma once
// Helpers shared by the zarr codec tests: sample datasets, a storage decorator that
// counts reads, and unique memory-store URLs.

#include <unistd.h>

#include <atomic>
#include <string>

#include "nuthatch/nuthatch.hpp"
#include "support/forwarding_storage.hpp"

namespace nuthatch::zarr::testing {

/// A fresh memory:// URL for one test.
inline std::string memory_url(const std::string& tag) {
  static std::atomic<int> counter{0};
  return "memory://zarr-" + tag + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter++);
}

/// The same dataset with every variable's encoding cleared (read() fills it in).
inline Dataset without_encoding(Dataset ds) {
  for (auto& [name, var] : ds.variables) var.encoding = Value::object();
  return ds;
}

/// Forwards to another storage and counts chunk reads (paths not ending in metadata).
class CountingStorage final : public nuthatch::testing::ForwardingStorage {
 public:
  explicit CountingStorage(StoragePtr inner) : ForwardingStorage(std::move(inner)) {}
  std::optional<std::string> read(std::string_view path, ByteRange range) override {
    std::string p(path);
    if (p.find("zarr.json") == std::string::npos && p.find("/.z") == std::string::npos &&
        p.rfind(".z", 0) != 0) {
      ++chunk_reads;
    }
    return inner()->read(path, range);
  }

  std::atomic<int> chunk_reads{0};

 private:
  StoragePtr inner_;
};

/// A variable with dims, data and (optionally) encoding.
inline Variable var(std::vector<std::string> dims, NDArray data, Value encoding = Value::object()) {
  Variable v;
  v.dims = std::move(dims);
  v.data = std::move(data);
  v.encoding = std::move(encoding);
  return v;
}

}  // namespace nuthatch::zarr::testing
