#pragma once
// Shared by the fuzz targets: the exceptions a parser of stored bytes may throw (anything
// else escaping is a finding: libFuzzer reports the uncaught exception as a crash), and an
// in-memory storage a target fills with the bytes it was given.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch::fuzz {

/// The bytes libFuzzer hands a target, as a view.
inline std::string_view input(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Splits `in` at its first NUL: (before, after). No NUL: (in, "").
inline std::pair<std::string_view, std::string_view> split_at_nul(std::string_view in) {
  const std::size_t at = in.find('\0');
  if (at == std::string_view::npos) return {in, {}};
  return {in.substr(0, at), in.substr(at + 1)};
}

/// A memory store emptied for each input (one per process: libFuzzer runs inputs in turn).
inline StoragePtr fresh_store() {
  static StoragePtr storage = StorageRegistry::open("memory://nuthatch-fuzz");
  storage->remove_prefix("");
  return storage;
}

}  // namespace nuthatch::fuzz

/// Runs `body`; the errors a parser may report (nh::CodecError, and for the manifest and
/// key parsers the other nh::Error types they document) end the input quietly. Any other
/// exception escapes to libFuzzer, which reports it with the input that caused it.
#define NUTHATCH_FUZZ_EXPECTING(ErrorType, body) \
  try {                                          \
    body;                                        \
  } catch (const ErrorType&) {                   \
  }
