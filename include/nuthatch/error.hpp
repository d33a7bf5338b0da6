#pragma once
/// Errors thrown by nuthatch. Every message names what was wrong (the key, the location,
/// the file and line, the parameter) and never a credential: messages pass through the
/// secret redactor before they are stored.

#include <stdexcept>
#include <string>

namespace nuthatch {

/// Base of every exception nuthatch throws.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message);
};

/// Bad configuration: malformed TOML (with file and line), unknown cache mode, unknown
/// location or backend, a secret provider that threw.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// A storage operation failed for a reason other than "not found" (which is an empty
/// std::optional, never an exception).
class StorageError : public Error {
 public:
  using Error::Error;
};

/// A payload could not be encoded or decoded (corrupt data, wrong type for the backend).
class CodecError : public Error {
 public:
  using Error::Error;
};

/// An argument value could not be turned into a cache key, a key or namespace is not
/// valid, or a Value member / element does not exist.
class KeyError : public Error {
 public:
  using Error::Error;
};

/// A result failed its processors' validation (Processor::validate): a recalled entry that
/// does not cover the call (unless `recompute_invalid` heals it), or a computed result.
/// Python raises it as `nuthatch.ValidationError`, also a ValueError, as the original.
class ValidationError : public Error {
 public:
  using Error::Error;
};

/// A strict mode (read_only_strict, local_api, fail_if_no_cache) found no entry.
class CacheMissError : public Error {
 public:
  using Error::Error;
};

/// A call with on_stale = fail found a stale entry; the message names what changed.
class StaleEntryError : public Error {
 public:
  using Error::Error;
};

}  // namespace nuthatch
