#pragma once
// Helpers shared by the zarr codec tests: sample datasets, a storage decorator that
// counts reads, and unique memory-store URLs.

#include <unistd.h>

#include <atomic>
#include <string>

#include "nuthatch/nuthatch.hpp"

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
class CountingStorage final : public Storage {
 public:
  explicit CountingStorage(StoragePtr inner) : inner_(std::move(inner)) {}
  std::string url() const override { return inner_->url(); }
  std::optional<std::string> read(std::string_view path, ByteRange range) override {
    std::string p(path);
    if (p.find("zarr.json") == std::string::npos && p.find("/.z") == std::string::npos &&
        p.rfind(".z", 0) != 0) {
      ++chunk_reads;
    }
    return inner_->read(path, range);
  }
  std::optional<ObjectInfo> stat(std::string_view path) override { return inner_->stat(path); }
  void write(std::string_view path, std::string_view data) override { inner_->write(path, data); }
  bool write_if(std::string_view path, std::string_view data,
                const WriteCondition& condition) override {
    return inner_->write_if(path, data, condition);
  }
  std::vector<ObjectInfo> list(std::string_view prefix) override { return inner_->list(prefix); }
  void remove(const std::vector<std::string>& paths) override { inner_->remove(paths); }

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
