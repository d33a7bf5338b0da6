#pragma once
// A codec whose payload the front end writes and reads itself: a directory payload,
// `<backend>-<entry_id><extension>/`, that the Python package fills while the commit is
// pending and opens when the entry is recalled (front_end_codec.cpp). The engine keeps
// everything else about such entries. Backends that also hold data outside the location
// (sql's tables, terracotta's database rows) derive from it and release that data
// (Codec::release_payload).

#include <cstdint>
#include <string>
#include <string_view>
#include <typeinfo>

#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch {

class FrontEndCodec : public Codec {
 public:
  /// `writer` says what writes and reads the payloads, for messages: e.g. "with the
  /// deltalake package". `runs_code`: whether reading runs code of the store's (a
  /// backend class registered at run time), so only trusted locations hand it over.
  FrontEndCodec(std::string_view name, std::string_view extension, bool runs_code,
                std::string_view writer)
      : name_(name), extension_(extension), runs_code_(runs_code), writer_(writer) {}

  std::string_view name() const override { return name_; }
  std::string_view extension() const override { return extension_; }
  bool runs_code_on_read() const override { return runs_code_; }
  bool single_file() const override { return false; }
  bool front_end_payload() const override { return true; }
  const std::type_info& stored_type() const override { return typeid(void); }

  std::uint64_t write_tree(const Boxed&, Storage&, const std::string&,
                           const Value&) const override {
    throw unreadable("written");
  }
  Boxed read_tree(Storage&, const std::string&, const Value&) const override {
    throw unreadable("read");
  }

 private:
  CodecError unreadable(std::string_view verb) const {
    return CodecError("backend '" + name_ + "' is " + std::string(verb) +
                      " by the front end, the Python package (" + writer_ +
                      "), on storage it can reach; the engine itself has no reader or writer "
                      "for it");
  }

  std::string name_;
  std::string extension_;
  bool runs_code_;
  std::string writer_;
};

}  // namespace nuthatch
