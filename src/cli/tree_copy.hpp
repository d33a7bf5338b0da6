#pragma once
// Payloads that commands commit from data written elsewhere (`import`, `migrate`): a tree
// copied object by object into the payload's place, and a value already decoded.

#include <cstdint>
#include <string>

#include "location/location.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch::cli {

/// `url` as given, or, for a bare relative path, made absolute against the working
/// directory (not the location).
std::string absolute_url(const std::string& url);

/// Copies every object under `source_prefix` of `source` to `dest_prefix` + its path
/// relative to `source_prefix`, in parallel; returns the bytes copied. Throws Failure
/// when there is nothing to copy or an object vanishes meanwhile (`what` names the source
/// in the message).
std::uint64_t copy_tree(Storage& source, const std::string& source_prefix, Storage& dest,
                        const std::string& dest_prefix, const std::string& what,
                        bool show_progress);

/// A tree payload copied from `source_prefix` of `source` (the whole store when empty).
class CopiedTree final : public PayloadSource {
 public:
  CopiedTree(StoragePtr source, std::string source_prefix, std::string what, bool show_progress)
      : source_(std::move(source)),
        prefix_(std::move(source_prefix)),
        what_(std::move(what)),
        show_progress_(show_progress) {}
  std::optional<std::uint64_t> write_tree(const TreePlace& place) override;
  Boxed stored() override;

 private:
  StoragePtr source_;
  std::string prefix_;
  std::string what_;
  bool show_progress_;
};

/// A value already decoded, stored as the engine stores a value of its backend.
class DecodedValue final : public PayloadSource {
 public:
  explicit DecodedValue(Boxed value) : value_(std::move(value)) {}
  Boxed stored() override { return value_; }

 private:
  Boxed value_;
};

}  // namespace nuthatch::cli
