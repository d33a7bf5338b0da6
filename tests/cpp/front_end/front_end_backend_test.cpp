// Backends a front end registers (the Python package's register_backend): the naming
// rules, registering again, and what C++ does with their payloads (nothing but refuse to
// decode, naming the backend). A binary of its own, since registration is process-wide
// and the codec suites enumerate every registered codec.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch {
namespace {

using ::testing::HasSubstr;

TEST(FrontEndBackendTest, RegistersATreeCodecUnderItsName) {
  register_front_end_backend("note", ".note");
  const Codec* codec = CodecRegistry::find("note");
  ASSERT_NE(codec, nullptr);
  EXPECT_EQ(codec->name(), "note");
  EXPECT_EQ(codec->extension(), ".note");
  EXPECT_FALSE(codec->single_file());
  // Reading runs the front end's code: untrusted mirrors do not hand these over.
  EXPECT_TRUE(codec->runs_code_on_read());
}

TEST(FrontEndBackendTest, RegisteringTheSameBackendAgainDoesNothing) {
  register_front_end_backend("again", ".again");
  const Codec* first = CodecRegistry::find("again");
  EXPECT_NO_THROW(register_front_end_backend("again", ".again"));
  EXPECT_EQ(CodecRegistry::find("again"), first);
}

TEST(FrontEndBackendTest, ANameTakenByAnotherCodecOrExtensionIsRefused) {
  EXPECT_THROW(register_front_end_backend("zarr", ".zarr"), ConfigError);
  EXPECT_THROW(register_front_end_backend("basic", ".msgpack"), ConfigError);
  register_front_end_backend("other", ".other");
  try {
    register_front_end_backend("other", ".different");
    FAIL() << "a second extension for one backend was accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'other'"));
  }
}

TEST(FrontEndBackendTest, NamesAndExtensionsThatCannotBePathsAreRefused) {
  for (const char* name : {"", "Upper", "a/b", "..", "with space", "dash-ed"}) {
    EXPECT_THROW(register_front_end_backend(name, ".x"), ConfigError) << name;
  }
  for (const char* ext : {"", ".", "x", "./", ".a/b", ".UP", ".waytoolongextension"}) {
    EXPECT_THROW(register_front_end_backend("fine", ext), ConfigError) << ext;
  }
  EXPECT_EQ(CodecRegistry::find("fine"), nullptr);
}

TEST(FrontEndBackendTest, CppCannotReadOrWriteItsPayloadsAndSaysWhose) {
  register_front_end_backend("frontend_only", ".fe");
  const Codec& codec = CodecRegistry::get("frontend_only");
  auto storage = StorageRegistry::open("memory://front-end-test", Value::object());
  try {
    codec.read_tree(*storage, "data/ns/k/frontend_only-x.fe/", Value::object());
    FAIL() << "a C++ read of a front-end payload succeeded";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'frontend_only'"));
    EXPECT_THAT(e.what(), HasSubstr("front end"));
  }
  EXPECT_THROW(codec.write_tree(Boxed::make(Bytes("x")), *storage, "p/", Value::object()),
               CodecError);
  EXPECT_THROW(codec.encode(Boxed::make(Bytes("x")), Value::object()), CodecError);
}

}  // namespace
}  // namespace nuthatch
