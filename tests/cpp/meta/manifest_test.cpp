#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/ids.hpp"
#include "meta/entry_store.hpp"
#include "meta/manifest.hpp"
#include "nuthatch/nuthatch.hpp"

namespace nh = nuthatch;
using ::testing::HasSubstr;

namespace {

nh::Manifest sample() {
  nh::Manifest m;
  m.entry_id = nh::new_entry_id();
  m.name = "agg";
  m.key = "agg/days=7";
  m.ns = "exp2";
  m.backend = "basic";
  m.version = "0.1.0";
  m.payload = "data/exp2/agg/days=7/basic-" + m.entry_id + ".msgpack";
  m.bytes = 12345;
  m.checksum = "xxh3-128:00112233445566778899aabbccddeeff";
  m.args = nh::Value::object({{"days", 7}});
  m.code = "cxx:abc";
  m.inputs = {{"_", "first", "basic", nh::new_entry_id(), "root"}};
  nh::stamp_manifest(m);
  return m;
}

TEST(ManifestTest, JsonRoundTripKeepsEveryField) {
  nh::Manifest m = sample();
  m.inline_data = std::string("\x00\x01\xff", 3);
  std::string text = nh::manifest_to_json(m);
  for (const char* field : {"format", "entry_id", "name", "key", "namespace", "backend", "version",
                            "state", "payload", "bytes", "checksum", "args", "created", "user",
                            "host", "git_commit", "code", "inputs", "engine_version", "inline"}) {
    EXPECT_THAT(text, HasSubstr(std::string("\"") + field + "\"")) << field;
  }
  nh::Manifest back = nh::manifest_from_json(text, "test");
  EXPECT_EQ(back.entry_id, m.entry_id);
  EXPECT_EQ(back.key, m.key);
  EXPECT_EQ(back.ns, m.ns);
  EXPECT_EQ(back.bytes, m.bytes);
  EXPECT_EQ(back.args, m.args);
  EXPECT_EQ(back.inputs, m.inputs);
  EXPECT_EQ(back.inline_data, m.inline_data);
  EXPECT_EQ(back.created, m.created);
}

TEST(ManifestTest, MalformedManifestsAreRejectedWithTheirLocation) {
  EXPECT_THROW(nh::manifest_from_json("{", "meta/x.json"), nh::CodecError);
  try {
    nh::manifest_from_json(R"({"format": 1, "entry_id": "x"})", "meta/x.json");
    FAIL();
  } catch (const nh::CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("meta/x.json"));
  }
  EXPECT_THROW(nh::manifest_from_json(R"({"format": 99})", "m"), nh::CodecError);
}

TEST(ManifestTest, PathsParseBack) {
  EXPECT_EQ(nh::manifest_path("_", "f/x=1", "basic"), "meta/_/f/x=1/basic.json");
  auto loc = nh::parse_manifest_path("meta/_/f/x=1/y=2/basic.json");
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->ns, "_");
  EXPECT_EQ(loc->key, "f/x=1/y=2");
  EXPECT_EQ(loc->backend, "basic");
  EXPECT_FALSE(nh::parse_manifest_path("data/_/f/basic.json"));
  EXPECT_FALSE(nh::parse_manifest_path("meta/_/basic.json"));
}

TEST(ManifestTest, EntryIdsSortByTime) {
  std::string a = nh::new_entry_id();
  EXPECT_EQ(a.size(), 26u);
  EXPECT_GT(nh::entry_id_millis(a), 1700000000000);
}

TEST(EntryStoreTest, CommitMarksTheStoreAndReplacesAtomically) {
  auto storage = nh::StorageRegistry::open("memory://entry-store-test");
  nh::EntryStore store(storage, "root");
  const nh::Codec& basic = nh::CodecRegistry::get("basic");
  nh::Manifest m;
  m.name = "f";
  m.key = "f";
  m.backend = "basic";
  std::string big(10000, 'x');
  EXPECT_EQ(store.commit(m, nh::Boxed::make(nh::Value(big)), &basic, nh::Value::object(),
                         std::nullopt, false),
            nh::CommitOutcome::committed);
  EXPECT_TRUE(storage->read("nuthatch.json"));
  auto first = store.find("_", "f", "basic");
  ASSERT_TRUE(first);
  const std::optional<std::string> big_encoded = storage->read(first->manifest.payload);
  ASSERT_TRUE(big_encoded);
  // A second writer that saw nothing does not replace the entry...
  EXPECT_EQ(store.commit(m, nh::Boxed::make(nh::Value("other")), &basic, nh::Value::object(),
                         std::nullopt, false),
            nh::CommitOutcome::kept_existing);
  // ... one that replaces does, and the old payload is retired (kept for its readers,
  // with a marker for gc), not deleted.
  EXPECT_EQ(store.commit(m, nh::Boxed::make(nh::Value(big + "y")), &basic, nh::Value::object(),
                         first, true),
            nh::CommitOutcome::committed);
  EXPECT_EQ(storage->read(first->manifest.payload), big_encoded);
  EXPECT_TRUE(storage->read(nh::retirement_marker_path(first->manifest.payload)));
  auto now = store.find("_", "f", "basic");
  auto v = store.read(*now, basic, nh::Value::object());
  ASSERT_TRUE(v);
  EXPECT_EQ(v->as<nh::Value>().as<std::string>(), big + "y");
  EXPECT_EQ(storage->list("data/").size(), 2u);
}

}  // namespace
