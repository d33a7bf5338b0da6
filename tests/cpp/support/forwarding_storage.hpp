#pragma once
// A Storage that forwards every required operation to another one: the base of the
// tests' decorators (counting reads, failing a key, slowing reads down), which override
// only what they change. The optional operations keep Storage's defaults, which go
// through the overridable ones (read_versioned through read, say), so a decorator sees
// every access.

#include <string>
#include <utility>
#include <vector>

#include "nuthatch/storage.hpp"

namespace nuthatch::testing {

class ForwardingStorage : public Storage {
 public:
  explicit ForwardingStorage(StoragePtr inner) : inner_(std::move(inner)) {}

  std::string url() const override { return inner_->url(); }
  std::optional<std::string> read(std::string_view path, ByteRange range) override {
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

 protected:
  const StoragePtr& inner() const { return inner_; }

 private:
  StoragePtr inner_;
};

}  // namespace nuthatch::testing
