// Location conformance (location/location.hpp): the same behaviour on a directory root
// and a memory root, with and without a per-backend override of the storage: an entry
// lands in the store of its backend, is found there by its backend and by "any backend",
// is listed once, and commits follow the same rules whichever store holds them.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "location/location.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/config.hpp"
#include "nuthatch/error.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;
using ::testing::HasSubstr;

namespace {

enum class Root { directory, memory };

struct Case {
  Root root;
  bool override_basic;  ///< `basic` entries have a store of their own at root
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::string(info.param.root == Root::directory ? "directory" : "memory") +
         (info.param.override_basic ? "_override" : "_plain");
}

std::string unique_memory_url(const std::string& what) {
  static std::atomic<int> n{0};
  return "memory://location-" + what + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(n++);
}

class LocationTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const Case c = GetParam();
    if (c.root == Root::memory) {
      root_url_ = unique_memory_url("root");
      nh::set_parameter("filesystem", nh::Value(root_url_));
    } else {
      root_url_ = project_.root().string();
    }
    if (c.override_basic) {
      basic_url_ = c.root == Root::memory ? unique_memory_url("basic")
                                          : (project_.dir() / "basic-store").string();
      nh::set_parameter("filesystem", nh::Value(basic_url_), {.backend = "basic"});
    }
    nh::set_parameter("filesystem", nh::Value(unique_memory_url("mirror")),
                      {.location = "mirror-pub"});
  }

  const nh::Location& root() { return locations()->root(); }
  std::shared_ptr<const nh::Locations> locations() { return nh::Locations::current(); }

  nh::EntryDraft draft(const std::string& key, const std::string& backend) {
    nh::EntryDraft d;
    d.name = key.substr(0, key.find('/'));
    d.ns = "_";
    d.key = key;
    d.backend = backend;
    d.version = "1";
    return d;
  }

  class Value final : public nh::PayloadSource {
   public:
    explicit Value(nh::Value v) : v_(std::move(v)) {}
    nh::Boxed stored() override { return nh::Boxed::make<nh::Value>(v_); }

   private:
    nh::Value v_;
  };

  nh::CommitOutcome commit_basic(const std::string& key, int v,
                                 std::optional<nh::ManifestRecord> expected = std::nullopt,
                                 bool replace = false) {
    Value payload{nh::Value(v)};
    return root().commit(draft(key, "basic"), &nh::CodecRegistry::get("basic"), &payload,
                         nh::Value::object(), {std::move(expected), replace});
  }

  nh::testing::TempProject project_;
  std::string root_url_;
  std::string basic_url_;
};

TEST_P(LocationTest, RolesAndKeys) {
  auto all = locations();
  EXPECT_EQ(all->local().role(), nh::LocationRole::local);
  EXPECT_TRUE(all->local().uses_memo_key());
  EXPECT_FALSE(all->local().read_only());
  EXPECT_EQ(all->root().role(), nh::LocationRole::root);
  EXPECT_FALSE(all->root().uses_memo_key());
  ASSERT_EQ(all->mirrors().size(), 1u);
  EXPECT_EQ(all->mirrors()[0]->name(), "mirror-pub");
  EXPECT_TRUE(all->mirrors()[0]->is_mirror());
  EXPECT_TRUE(all->mirrors()[0]->read_only());
  ASSERT_EQ(all->all().size(), 3u);
  EXPECT_EQ(all->all()[0]->name(), "local");
  EXPECT_EQ(all->all()[1]->name(), "root");
  EXPECT_EQ(&all->named("mirror-pub"), all->mirrors()[0]);
  try {
    all->named("mirror-nowhere");
    FAIL() << "an unknown location was found";
  } catch (const nh::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("mirror-nowhere"));
    EXPECT_THAT(e.what(), HasSubstr("mirror-pub"));
  }
}

TEST_P(LocationTest, BuiltOncePerConfigurationGeneration) {
  auto first = locations();
  EXPECT_EQ(locations().get(), first.get());
  EXPECT_EQ(first->root().store_for("basic").get(), first->root().store_for("basic").get());
  nh::set_parameter("memoize_max_bytes", nh::Value(std::int64_t{1} << 20));
  auto second = locations();
  EXPECT_NE(second.get(), first.get());
  // The old set stays usable by a call that holds it.
  EXPECT_EQ(first->root().name(), "root");
}

TEST_P(LocationTest, AnEntryLandsInTheStoreOfItsBackend) {
  ASSERT_EQ(commit_basic("f", 1), nh::CommitOutcome::committed);
  auto basic = root().store_for("basic");
  auto other = root().store_for("blob");
  EXPECT_EQ(basic->url(), GetParam().override_basic ? nh::StorageRegistry::open(basic_url_, nh::Value::object())->url()
                                                    : other->url());
  EXPECT_TRUE(basic->find("_", "f", "basic").has_value());
  if (GetParam().override_basic) {
    EXPECT_NE(basic->url(), other->url());
    EXPECT_FALSE(other->find("_", "f", "basic").has_value()) << "written to the default store";
  }
}

TEST_P(LocationTest, FoundByItsBackendAndByAnyBackend) {
  ASSERT_EQ(commit_basic("f/x=1", 7), nh::CommitOutcome::committed);
  std::optional<nh::LocatedEntry> by_backend = root().find("_", "f/x=1", "basic");
  ASSERT_TRUE(by_backend);
  EXPECT_EQ(by_backend->record.manifest.backend, "basic");
  EXPECT_EQ(by_backend->store.get(), root().store_for("basic").get());
  std::optional<nh::LocatedEntry> any = root().find("_", "f/x=1", "");
  ASSERT_TRUE(any) << "an entry in an override store is found by 'any backend'";
  EXPECT_EQ(any->record.manifest.entry_id, by_backend->record.manifest.entry_id);
  std::optional<nh::LocatedEntry> hinted = root().find("_", "f/x=1", "", "basic");
  ASSERT_TRUE(hinted);
  EXPECT_EQ(hinted->record.manifest.entry_id, by_backend->record.manifest.entry_id);
  // A wrong hint costs a read, not the entry.
  std::optional<nh::LocatedEntry> wrong_hint = root().find("_", "f/x=1", "", "blob");
  ASSERT_TRUE(wrong_hint);
  EXPECT_FALSE(root().find("_", "f/x=2", "").has_value());
  EXPECT_FALSE(root().find("_", "f/x=1", "blob").has_value());
}

TEST_P(LocationTest, NullEntriesLiveWithTheBackendAskedForAndYieldToValues) {
  nh::EntryDraft null_entry = draft("g", std::string(nh::kNullBackend));
  null_entry.store_backend = "basic";
  ASSERT_EQ(root().commit(null_entry, nullptr, nullptr, nh::Value::object(), {}),
            nh::CommitOutcome::committed);
  std::optional<nh::LocatedEntry> found = root().find("_", "g", "basic");
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->record.manifest.is_null());
  EXPECT_EQ(found->store.get(), root().store_for("basic").get());
  ASSERT_TRUE(root().find("_", "g", "").has_value());
  // A value committed later replaces the null entry; "any backend" then finds the value.
  ASSERT_EQ(commit_basic("g", 3, std::nullopt, true), nh::CommitOutcome::committed);
  std::optional<nh::LocatedEntry> any = root().find("_", "g", "");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->record.manifest.backend, "basic");
}

TEST_P(LocationTest, ListsEveryStoreOnce) {
  ASSERT_EQ(commit_basic("a", 1), nh::CommitOutcome::committed);
  class Bytes final : public nh::PayloadSource {
   public:
    nh::Boxed stored() override { return nh::Boxed::make<nh::Bytes>(nh::Bytes(std::string(10, 'b'))); }
  } blob;
  ASSERT_EQ(root().commit(draft("b", "blob"), &nh::CodecRegistry::get("blob"), &blob,
                          nh::Value::object(), {}),
            nh::CommitOutcome::committed);
  std::vector<nh::EntryInfo> listed = root().list();
  std::vector<std::string> keys;
  for (const auto& e : listed) keys.push_back(e.key + ":" + e.backend);
  EXPECT_THAT(keys, ::testing::UnorderedElementsAre("a:basic", "b:blob"));
  EXPECT_EQ(root().stores().size(), GetParam().override_basic ? 2u : 1u);
}

TEST_P(LocationTest, ACommitKeepsAnEntryItDidNotSee) {
  ASSERT_EQ(commit_basic("k", 1), nh::CommitOutcome::committed);
  // A second writer that saw nothing keeps the first writer's entry...
  EXPECT_EQ(commit_basic("k", 2), nh::CommitOutcome::kept_existing);
  // ...one that replaces what it saw commits.
  std::optional<nh::LocatedEntry> seen = root().find("_", "k", "basic");
  ASSERT_TRUE(seen);
  EXPECT_EQ(commit_basic("k", 3, seen->record, true), nh::CommitOutcome::committed);
  std::optional<nh::LocatedEntry> now = root().find("_", "k", "basic");
  ASSERT_TRUE(now);
  std::optional<nh::Boxed> value = now->store->read(now->record, nh::CodecRegistry::get("basic"),
                                                    nh::Value::object());
  ASSERT_TRUE(value);
  EXPECT_EQ(value->as<nh::Value>(), nh::Value(3));
}

TEST_P(LocationTest, AFailedTreeWriteLeavesNothing) {
  const nh::Codec* tree = nullptr;
  for (const std::string& name : nh::CodecRegistry::names()) {
    const nh::Codec& c = nh::CodecRegistry::get(name);
    if (!c.single_file()) {
      tree = &c;
      break;
    }
  }
  ASSERT_NE(tree, nullptr) << "no tree codec registered";
  class Failing final : public nh::PayloadSource {
   public:
    std::optional<std::uint64_t> write_tree(const nh::TreePlace& place) override {
      place.storage.write(place.path + "/part-0", "half");
      throw nh::StorageError("the writer failed half way");
    }
    nh::Boxed stored() override { return nh::Boxed(); }
  } failing;
  EXPECT_THROW(root().commit(draft("t", std::string(tree->name())), tree, &failing, nh::Value::object(), {}),
               nh::StorageError);
  auto store = root().store_for(std::string(tree->name()));
  EXPECT_TRUE(store->storage().list("data/").empty()) << "a half-written tree was left";
  EXPECT_FALSE(root().find("_", "t", "").has_value());
}

TEST_P(LocationTest, AMirrorRefusesCommits) {
  const nh::Location& mirror = locations()->named("mirror-pub");
  Value payload{nh::Value(1)};
  try {
    mirror.commit(draft("m", "basic"), &nh::CodecRegistry::get("basic"), &payload,
                  nh::Value::object(), {});
    FAIL() << "a mirror accepted a commit";
  } catch (const nh::StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("mirror-pub"));
  }
}

TEST_P(LocationTest, AMirrorOnASkippedFilesystemIsLeftOut) {
  nh::set_parameter("filesystem", nh::Value(unique_memory_url("mirror")), {.location = "mirror-two"});
  const std::string skipped = nh::get_parameter("filesystem", "mirror-pub")->as<std::string>();
  nh::set_parameter("skipped_filesystems", nh::Value::array({nh::Value(skipped)}));
  std::vector<std::string> names;
  for (const nh::Location* mirror : locations()->mirrors()) names.push_back(mirror->name());
  EXPECT_THAT(names, ::testing::ElementsAre("mirror-two"));
  EXPECT_EQ(locations()->root().name(), "root") << "the root is never skipped";

  nh::set_parameter("skipped_filesystems", nh::Value("not-a-list"));
  try {
    locations();
    FAIL() << "a skipped_filesystems that is not a list was accepted";
  } catch (const nh::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("skipped_filesystems"));
  }
  nh::set_parameter("skipped_filesystems", nh::Value::array());
}

INSTANTIATE_TEST_SUITE_P(Roots, LocationTest,
                         ::testing::Values(Case{Root::directory, false},
                                           Case{Root::directory, true},
                                           Case{Root::memory, false},
                                           Case{Root::memory, true}),
                         case_name);

}  // namespace
