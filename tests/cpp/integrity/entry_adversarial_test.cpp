// What a hostile or unlucky teammate can leave in a shared root, and what the engine and
// the CLI must do with it: every call returns what was committed or computes afresh;
// nothing outside an entry's own derived paths is read, retired or deleted. Each scenario
// runs in a child process with a time limit (isolated.hpp): a crash or a hang fails it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "cli/run_cli.hpp"
#include "common/log.hpp"
#include "integrity/isolated.hpp"
#include "meta/entry_store.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/forwarding_storage.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;
namespace fs = std::filesystem;
using ::testing::HasSubstr;

namespace {

constexpr std::chrono::seconds kScenarioTime{60};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spill(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

fs::path manifest_file(const fs::path& location, const std::string& key,
                       const std::string& backend) {
  return location / "meta" / "_" / key / (backend + ".json");
}

std::optional<nh::Manifest> manifest_at(const fs::path& location, const std::string& key,
                                        const std::string& backend) {
  nh::EntryStore store(nh::StorageRegistry::open(location.string()), "test");
  auto rec = store.find("_", key, backend);
  if (!rec) return std::nullopt;
  return rec->manifest;
}

// Replaces `field`'s string value in a manifest's JSON text.
std::string with_field(std::string json, const std::string& field, const std::string& value) {
  const std::string tag = "\"" + field + "\": \"";
  const auto at = json.find(tag);
  EXPECT_NE(at, std::string::npos) << field;
  const auto end = json.find('"', at + tag.size());
  return json.replace(at + tag.size(), end - at - tag.size(), value);
}

nh::NDArray ramp(float start, std::int64_t n) {
  std::vector<float> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = start + float(i);
  return nh::NDArray::from_vector(std::move(v), {n});
}

std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_directory()) out.push_back(e.path());
  }
  return out;
}

class Quiet {
 public:
  Quiet() { nh::log::set_capture(true); }
  ~Quiet() { nh::log::set_capture(false); }
  std::string take() { return nh::log::take_captured(); }
};

TEST(EntryAdversarial, TruncatedManifestIsAMissAndTheNextCommitReplacesIt) {
  EXPECT_ISOLATED_PASS([] {
    nh::testing::TempProject project;
    Quiet log;
    int calls = 0;
    auto f = nh::cache("trunc", {"x"}, {.cache_args = {"x"}}, [&](int x) {
      ++calls;
      return x * 10 + calls;
    });
    EXPECT_EQ(f(1), 11);
    const fs::path mf = manifest_file(project.root(), "trunc/x=1", "basic");
    const std::string good = slurp(mf);
    spill(mf, good.substr(0, good.size() / 2));
    nh::clear_memoizer();
    // A miss (with a warning naming the key), recomputed and committed over the damage,
    // without asking even though the mode does not overwrite.
    EXPECT_EQ(f(1), 12);
    EXPECT_THAT(log.take(), HasSubstr("trunc/x=1"));
    ASSERT_TRUE(manifest_at(project.root(), "trunc/x=1", "basic"));
    nh::clear_memoizer();
    EXPECT_EQ(f(1), 12);
    EXPECT_EQ(calls, 2);
  }, {.timeout = kScenarioTime});
}

TEST(EntryAdversarial, ManifestOfANewerFormatIsNeverOverwritten) {
  EXPECT_ISOLATED_PASS([] {
    nh::testing::TempProject project;
    Quiet log;
    auto f = nh::cache("newer", {"x"}, {.cache_args = {"x"}}, [](int x) { return x + 1; });
    EXPECT_EQ(f(1), 2);
    const fs::path mf = manifest_file(project.root(), "newer/x=1", "basic");
    std::string text = slurp(mf);
    text.replace(text.find("\"format\": 1"), 11, "\"format\": 99");
    spill(mf, text);
    nh::clear_memoizer();
    // A mode that does not write computes and leaves it alone.
    EXPECT_EQ(f.with({.cache_mode = nh::CacheMode::read_only})(1), 2);
    EXPECT_EQ(slurp(mf), text);
    // A writing mode fails clearly and leaves it alone.
    nh::clear_memoizer();
    try {
      f.with({.force_overwrite = true})(1);
      ADD_FAILURE() << "a write over a newer manifest succeeded";
    } catch (const nh::Error& e) {
      EXPECT_THAT(std::string(e.what()), HasSubstr("newer nuthatch"));
    }
    EXPECT_EQ(slurp(mf), text);
  }, {.timeout = kScenarioTime});
}

TEST(EntryAdversarial, ManifestNamingAnotherEntrysPayloadIsCorruptAndHarmless) {
  EXPECT_ISOLATED_PASS([] {
    nh::testing::TempProject project;
    Quiet log;
    auto f = nh::cache("victim", {"x"}, {.cache_args = {"x"}}, [](int x) { return ramp(x, 64); });
    f(1);
    f(2);
    auto one = manifest_at(project.root(), "victim/x=1", "zarr");
    auto two = manifest_at(project.root(), "victim/x=2", "zarr");
    ASSERT_TRUE(one && two);
    // Entry 2's manifest now names entry 1's payload; then the whole meta/ directory.
    const fs::path mf = manifest_file(project.root(), "victim/x=2", "zarr");
    for (const std::string& target : {one->payload, std::string("meta"), std::string("data"),
                                      std::string("../outside")}) {
      spill(mf, with_field(slurp(mf), "payload", target));
      EXPECT_FALSE(manifest_at(project.root(), "victim/x=2", "zarr")) << target;
      nh::clear_memoizer();
      nh::NDArray got = f(2);  // a miss, recomputed and committed over the corrupt manifest
      EXPECT_EQ(got.values<float>()[0], 2.0f);
      ASSERT_TRUE(manifest_at(project.root(), "victim/x=2", "zarr"));
      EXPECT_TRUE(fs::exists(project.root() / one->payload)) << target;
      EXPECT_TRUE(fs::exists(project.root() / "meta" / "_" / "victim" / "x=1"));
    }
    // Deleting through the CLI touches the corrupt manifest only.
    spill(mf, with_field(slurp(mf), "payload", one->payload));
    nh::testing::CliResult del = nh::testing::run_cli({"delete", "victim/x=2", "--force"});
    EXPECT_EQ(del.status, 0) << del.err;
    nh::testing::CliResult gc = nh::testing::run_cli({"gc", "--grace", "0s", "--force"});
    EXPECT_EQ(gc.status, 0) << gc.err;
    EXPECT_TRUE(fs::exists(project.root() / one->payload));
    nh::clear_memoizer();
    EXPECT_EQ(f(1).values<float>()[0], 1.0f);
  }, {.timeout = kScenarioTime});
}

TEST(EntryAdversarial, ManifestLyingAboutItsKeyIsCorrupt) {
  EXPECT_ISOLATED_PASS([] {
    nh::testing::TempProject project;
    Quiet log;
    auto f = nh::cache("liar", {"x"}, {.cache_args = {"x"}}, [](int x) { return x; });
    f(1);
    f(2);
    // A copy of x=1's manifest placed at x=2: it says key x=1.
    spill(manifest_file(project.root(), "liar/x=2", "basic"),
          slurp(manifest_file(project.root(), "liar/x=1", "basic")));
    nh::clear_memoizer();
    EXPECT_EQ(f(2), 2);
    EXPECT_THAT(log.take(), HasSubstr("corrupt manifest"));
  }, {.timeout = kScenarioTime});
}

TEST(EntryAdversarial, ReplacedPayloadIsRetiredAndGcReclaimsItAfterTheGrace) {
  EXPECT_ISOLATED_PASS([] {
    nh::testing::TempProject project;
    Quiet log;
    float base = 0;
    auto f = nh::cache("retire", {}, {}, [&] { return ramp(base, 4096); });
    f();
    auto first = manifest_at(project.root(), "retire", "zarr");
    ASSERT_TRUE(first);
    base = 100;
    f.with({.cache_mode = nh::CacheMode::overwrite, .recompute = true})();
    auto second = manifest_at(project.root(), "retire", "zarr");
    ASSERT_TRUE(second);
    EXPECT_NE(first->payload, second->payload);
    // The old payload stays for those who opened it, marked retired.
    EXPECT_TRUE(fs::exists(project.root() / first->payload));
    EXPECT_TRUE(fs::exists(project.root() / nh::retirement_marker_path(first->payload)));
    // Within the grace: nothing to collect.
    nh::testing::CliResult kept = nh::testing::run_cli({"gc"});
    EXPECT_EQ(kept.status, 0) << kept.err;
    EXPECT_TRUE(fs::exists(project.root() / first->payload));
    // A grace under a minute needs --force.
    nh::testing::CliResult refused = nh::testing::run_cli({"gc", "--grace", "10s"});
    EXPECT_EQ(refused.status, 2);
    EXPECT_THAT(refused.err, HasSubstr("--force"));
    nh::testing::CliResult gc = nh::testing::run_cli({"gc", "--grace", "0s", "--force"});
    EXPECT_EQ(gc.status, 0) << gc.err;
    EXPECT_THAT(gc.out, HasSubstr("retired payload"));
    EXPECT_FALSE(fs::exists(project.root() / first->payload));
    EXPECT_FALSE(fs::exists(project.root() / nh::retirement_marker_path(first->payload)));
    EXPECT_TRUE(fs::exists(project.root() / second->payload));
    nh::clear_memoizer();
    EXPECT_EQ(f().values<float>()[0], 100.0f);
  }, {.timeout = kScenarioTime});
}

TEST(EntryAdversarial, DeletedEntryIsRetiredNotRemovedUnderItsReaders) {
  EXPECT_ISOLATED_PASS([] {
    nh::testing::TempProject project;
    auto f = nh::cache("gone", {}, {}, [] { return ramp(1, 4096); });
    f();
    auto m = manifest_at(project.root(), "gone", "zarr");
    ASSERT_TRUE(m);
    nh::testing::CliResult del = nh::testing::run_cli({"delete", "gone", "--force"});
    EXPECT_EQ(del.status, 0) << del.err;
    EXPECT_FALSE(manifest_at(project.root(), "gone", "zarr"));
    EXPECT_TRUE(fs::exists(project.root() / m->payload));
    nh::testing::CliResult gc = nh::testing::run_cli({"gc", "--grace", "0s", "--force"});
    EXPECT_EQ(gc.status, 0) << gc.err;
    EXPECT_FALSE(fs::exists(project.root() / m->payload));
  }, {.timeout = kScenarioTime});
}

TEST(EntryAdversarial, MissingChunkOfAnEntryIsAMissNotFillValues) {
  EXPECT_ISOLATED_PASS([] {
    nh::testing::TempProject project;
    Quiet log;
    int calls = 0;
    auto f = nh::cache("holes", {}, {}, [&] {
      ++calls;
      nh::Dataset d;
      nh::Variable v{{"x"}, ramp(1, 4096), nh::Value::object(),
                     nh::Value::object({{"chunks", nh::Value::array({512})}})};
      d.variables.emplace("v", std::move(v));
      return d;
    });
    f();
    auto m = manifest_at(project.root(), "holes", "zarr");
    ASSERT_TRUE(m);
    // Remove one chunk object of the variable.
    bool removed = false;
    for (const fs::path& p : files_under(project.root() / m->payload / "v")) {
      if (p.filename() == "zarr.json" || p.filename().string().starts_with(".z")) continue;
      fs::remove(p);
      removed = true;
      break;
    }
    ASSERT_TRUE(removed);
    nh::clear_memoizer();
    nh::Dataset again = f();  // never fill values: a miss, recomputed
    EXPECT_EQ(calls, 2);
    auto values = again.variables.at("v").data.values<float>();
    for (std::size_t i = 0; i < values.size(); ++i) ASSERT_EQ(values[i], float(i + 1));
    EXPECT_THAT(log.take(), HasSubstr("holes"));
  }, {.timeout = kScenarioTime});
}

TEST(EntryAdversarial, SymlinkedPayloadPointingOutsideTheRootIsNeverFollowed) {
  EXPECT_ISOLATED_PASS([] {
    nh::testing::TempProject project;
    Quiet log;
    int calls = 0;
    auto f = nh::cache("linked", {}, {}, [&] {
      ++calls;
      return ramp(float(calls), 4096);
    });
    f();
    auto m = manifest_at(project.root(), "linked", "zarr");
    ASSERT_TRUE(m);
    // Someone replaces the payload directory with a link to a directory outside the root.
    const fs::path outside = project.dir() / "precious";
    spill(outside / "zarr.json", "{\"keep\": true}");
    spill(outside / "v" / "c" / "0", "keep me");
    fs::remove_all(project.root() / m->payload);
    fs::create_directory_symlink(outside, project.root() / m->payload);
    nh::clear_memoizer();
    EXPECT_EQ(f().values<float>()[0], 2.0f);  // no entry behind a link: recomputed
    nh::clear_memoizer();
    f.with({.cache_mode = nh::CacheMode::overwrite, .recompute = true})();
    nh::testing::CliResult del = nh::testing::run_cli({"delete", "linked", "--force"});
    EXPECT_EQ(del.status, 0) << del.err;
    nh::testing::CliResult gc = nh::testing::run_cli({"gc", "--grace", "0s", "--force"});
    EXPECT_EQ(gc.status, 0) << gc.err;
    EXPECT_EQ(slurp(outside / "zarr.json"), "{\"keep\": true}");
    EXPECT_EQ(slurp(outside / "v" / "c" / "0"), "keep me");
  }, {.timeout = kScenarioTime});
}

TEST(EntryAdversarial, FifoAtAManifestPathIsAnErrorNotAHang) {
  EXPECT_ISOLATED_PASS([] {
    nh::testing::TempProject project;
    Quiet log;
    auto f = nh::cache("piped", {}, {}, [] { return 5; });
    const fs::path mf = manifest_file(project.root(), "piped", "basic");
    fs::create_directories(mf.parent_path());
    ASSERT_EQ(::mkfifo(mf.c_str(), 0600), 0);
    try {
      f();
      ADD_FAILURE() << "a FIFO at a manifest path was read as an entry";
    } catch (const nh::StorageError& e) {
      EXPECT_THAT(std::string(e.what()), HasSubstr("FIFO"));
    }
    // The CLI lists, deletes and collects around it without blocking.
    EXPECT_EQ(nh::testing::run_cli({"list"}).status, 0);
    EXPECT_EQ(nh::testing::run_cli({"gc"}).status, 0);
  }, {.timeout = std::chrono::seconds(20)});
}

TEST(EntryAdversarial, DamagedZarrMetadataIsAMissAndIsReplaced) {
  EXPECT_ISOLATED_PASS([] {
    nh::testing::TempProject project;
    Quiet log;
    int calls = 0;
    auto f = nh::cache("meta_bomb", {}, {}, [&] {
      ++calls;
      return ramp(1, 1024);
    });
    f();
    auto m = manifest_at(project.root(), "meta_bomb", "zarr");
    ASSERT_TRUE(m);
    // Every array's metadata (its own and the consolidated copy in the group's) now
    // claims an element count that overflows int64.
    for (const fs::path& p : files_under(project.root() / m->payload)) {
      if (p.filename() != "zarr.json") continue;
      std::string text = slurp(p);
      for (auto at = text.find("\"shape\""); at != std::string::npos;
           at = text.find("\"shape\"", at + 1)) {
        const auto open = text.find('[', at);
        const auto close = text.find(']', open);
        text.replace(open, close - open + 1, "[9223372036854775807, 9223372036854775807]");
      }
      spill(p, text);
    }
    nh::clear_memoizer();
    EXPECT_EQ(f().values<float>()[1023], 1024.0f);
    EXPECT_EQ(calls, 2);
  }, {.timeout = kScenarioTime, .address_space_bytes = std::uint64_t{3} << 30});
}

// A front end whose results decide their backend (as Python's do).
class AnyBackend : public nh::ResultAdapter {
 public:
  std::string default_backend() const override { return ""; }
  std::string backend_for(const nh::Boxed&) const override { return "basic"; }
  nh::Boxed to_stored(const nh::Boxed& r, const nh::Codec&) const override { return r; }
  nh::Boxed from_stored(const nh::Boxed& s, const nh::Codec&, const std::string&) const override {
    return s;
  }
  std::size_t memory_size(const nh::Boxed&) const override { return 64; }
};

// Removes always fail: a committed call still returns its value.
class FailingRemoves : public nh::testing::ForwardingStorage {
 public:
  using ForwardingStorage::ForwardingStorage;
  void remove(const std::vector<std::string>&) override {
    throw nh::StorageError("removes are refused here");
  }
  std::size_t remove_prefix(std::string_view) override {
    throw nh::StorageError("removes are refused here");
  }
};

TEST(EntryAdversarial, CleanupFailuresNeverFailACommittedCall) {
  EXPECT_ISOLATED_PASS([] {
    nh::testing::TempProject project;
    Quiet log;
    auto storage =
        std::make_shared<FailingRemoves>(nh::StorageRegistry::open(project.root().string()));
    nh::EntryStore store(storage, "root");
    const nh::Codec& basic = nh::CodecRegistry::get("basic");
    auto commit = [&](std::optional<nh::Value> v) {
      nh::Manifest m;
      m.name = "f";
      m.key = "f";
      m.backend = v ? "basic" : "null";
      auto seen = store.find("_", "f", m.backend);
      return store.commit(m, v ? nh::Boxed::make<nh::Value>(*v) : nh::Boxed(), &basic,
                          nh::Value::object(), seen, true);
    };
    EXPECT_EQ(commit(nh::Value(std::string(8192, 'a'))), nh::CommitOutcome::committed);
    EXPECT_EQ(commit(nh::Value(std::string(8192, 'b'))), nh::CommitOutcome::committed);
    EXPECT_EQ(commit(std::nullopt), nh::CommitOutcome::committed);  // cannot remove the value
    EXPECT_EQ(commit(nh::Value(1)), nh::CommitOutcome::committed);  // nor the null entry
    EXPECT_THAT(log.take(), HasSubstr("removes are refused"));
    auto rec = store.find("_", "f", "basic");
    ASSERT_TRUE(rec);
    auto value = store.read(*rec, basic, nh::Value::object());
    ASSERT_TRUE(value);
    EXPECT_EQ(value->as<nh::Value>().as<std::int64_t>(), 1);
  }, {.timeout = kScenarioTime});
}

TEST(EntryAdversarial, ValueAndNullEntryOfOneKeyResolveToTheValueEverywhere) {
  EXPECT_ISOLATED_PASS([] {
    nh::testing::TempProject project;
    int calls = 0;
    auto value = nh::cache("both", {}, {}, [&]() -> std::optional<int> {
      ++calls;
      return 7;
    });
    EXPECT_EQ(value(), 7);
    // What a crash between a swap and its cleanup leaves: a null entry beside the value.
    nh::EntryStore store(nh::StorageRegistry::open(project.root().string()), "root");
    nh::Manifest null_entry;
    null_entry.name = "both";
    null_entry.key = "both";
    store.prepare(null_entry, nullptr);
    null_entry.state = "null";
    null_entry.backend = "null";
    spill(manifest_file(project.root(), "both", "null"), nh::manifest_to_json(null_entry));
    ASSERT_TRUE(store.find("_", "both", "null"));
    ASSERT_TRUE(store.find("_", "both", "basic"));
    nh::clear_memoizer();
    EXPECT_EQ(value(), 7);  // the backend is known: the value wins
    EXPECT_EQ(calls, 1);
    // A caller that does not know the backend (the Python package) resolves the same way.
    nh::FunctionSpec spec{"both", {}, {}, std::make_shared<AnyBackend>(), ""};
    nh::clear_memoizer();
    nh::Boxed got = nh::engine::call(spec, {}, {}, [&] {
      ++calls;
      return nh::Boxed::make<nh::Value>(nh::Value(8));
    });
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.as<nh::Value>().as<std::int64_t>(), 7);
    EXPECT_EQ(calls, 1);
    // The next commit of the key repairs it: the null entry goes.
    nh::clear_memoizer();
    EXPECT_EQ(value.with({.cache_mode = nh::CacheMode::overwrite, .recompute = true})(), 7);
    EXPECT_FALSE(store.find("_", "both", "null"));
  }, {.timeout = kScenarioTime});
}

}  // namespace
