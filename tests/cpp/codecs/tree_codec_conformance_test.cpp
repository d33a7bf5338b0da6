// The conformance suite every tree codec runs (STYLE habit 5), the counterpart of
// codec_conformance_test.cpp for codecs whose payload is a tree of objects under a prefix
// (zarr, parquet). The codecs come from the registry: every registered codec that is not
// single-file runs here, on a memory and a file location, and a new one fails
// `HasSamples` until it gets samples in tree_traits(). The suite checks:
//  - round trips of representative and edge values (empty, zero-length) read back equal,
//    with the engine's read options too (missing_chunks "error", entry_store.cpp);
//  - every object written lies under the payload prefix, nothing else is touched, and a
//    second payload beside the first leaves the first as it was;
//  - a value write_tree accepts, read_tree reads back (no write-only values);
//  - an object missing from the tree is an error naming it (or the value reads back
//    unchanged: the object was redundant), never a different value;
//  - a truncated or garbled object is an nh::Error (or reads back unchanged), never a
//    crash nor another exception type.

#include <gmock/gmock.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "codecs/zarr/zarr_test_support.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/ndarray.hpp"
#include "nuthatch/storage.hpp"
#include "support/temp_dir.hpp"

namespace nuthatch {
namespace {

using ::testing::HasSubstr;

// --- what each tree codec brings ------------------------------------------------------

struct TreeSample {
  std::string name;
  Boxed value;
  Value write_kwargs = Value::object();
};

struct TreeTraits {
  /// Representative values first; the first is the one the damage tests take apart.
  std::function<std::vector<TreeSample>()> samples;
  /// Values at the edge (empty, zero-length): write_tree refuses them with a CodecError
  /// or they read back equal.
  std::function<std::vector<TreeSample>()> edge_samples;
  std::function<bool(const Boxed& written, const Boxed& read)> equal;
  /// A value of another stored type, which write_tree must refuse.
  Boxed wrong_type;
  /// The kwargs the engine reads its own payloads with (entry_store.cpp: a non-sparse
  /// entry reads a missing chunk as an error).
  Value strict_read_kwargs = Value::object();
  /// The codec hands the objects' bytes over uninterpreted (parquet partitions are decoded
  /// by the front end), so it cannot tell garbled bytes from good ones.
  bool opaque_objects = false;
};

// zarr: Datasets.

using zarr::testing::var;
using zarr::testing::without_encoding;

Value chunks(std::initializer_list<Value> c) {
  return Value::object({{"chunks", Value::array(c)}});
}

/// Several chunks per variable, data and coordinate variables of several dtypes, attrs.
Dataset weather() {
  std::vector<float> temp;
  for (int i = 0; i < 4 * 5; ++i) temp.push_back(static_cast<float>(i) * 0.5f - 3.0f);
  Dataset ds;
  ds.variables["temp"] = var({"time", "x"}, NDArray::from_vector(std::move(temp), {4, 5}),
                             chunks({2, 2}));
  ds.variables["temp"].attrs =
      Value::object({{"units", "degC"}, {"long_name", "temp\u00e9rature"}});
  ds.variables["time"] = var(
      {"time"},
      NDArray::datetimes({0, 86'400'000'000'000, 172'800'000'000'000, 259'200'000'000'000}, {4}),
      chunks({3}));
  ds.variables["x"] =
      var({"x"}, NDArray::from_vector(std::vector<std::int64_t>{10, 20, 30, 40, 50}, {5}));
  ds.variables["station"] =
      var({"x"}, NDArray::strings({"a", "", "h\u00e9llo", "\U0001F426", "e"}, {5}), chunks({2}));
  ds.variables["flag"] = var({}, NDArray::from_vector(std::vector<std::int8_t>{1}, {}));
  ds.coords = {"time", "x"};
  ds.attrs = Value::object({{"title", "conformance"}, {"n", 3}, {"list", Value::array({1, 2.5})}});
  return ds;
}

std::vector<TreeSample> zarr_samples() {
  return {
      {"weather_v3", Boxed::make(weather())},
      {"weather_v2", Boxed::make(weather()), Value::object({{"zarr_format", 2}})},
      {"weather_unconsolidated", Boxed::make(weather()), Value::object({{"consolidated", false}})},
  };
}

std::vector<TreeSample> zarr_edge_samples() {
  Dataset only_attrs;
  only_attrs.attrs = Value::object({{"empty", true}});
  Dataset zero_length;
  zero_length.variables["v"] = var({"t"}, NDArray::from_vector(std::vector<double>{}, {0}));
  zero_length.variables["t"] = var({"t"}, NDArray::datetimes({}, {0}));
  zero_length.coords = {"t"};
  Dataset zero_width;
  zero_width.variables["m"] = var({"y", "x"}, NDArray::zeros(DType::float32, {3, 0}));
  Dataset scalar;
  scalar.variables["s"] = var({}, NDArray::from_vector(std::vector<double>{42.5}, {}));
  Dataset empty_strings;
  empty_strings.variables["s"] = var({"i"}, NDArray::strings({"", ""}, {2}));
  return {
      {"empty_dataset", Boxed::make(Dataset{})},
      {"empty_dataset_v2", Boxed::make(Dataset{}), Value::object({{"zarr_format", 2}})},
      {"only_attrs", Boxed::make(only_attrs)},
      {"zero_length", Boxed::make(zero_length)},
      {"zero_length_v2", Boxed::make(zero_length), Value::object({{"zarr_format", 2}})},
      {"zero_width", Boxed::make(zero_width)},
      {"scalar", Boxed::make(scalar)},
      {"empty_strings", Boxed::make(empty_strings)},
  };
}

bool datasets_equal(const Boxed& written, const Boxed& read) {
  return read.holds<Dataset>() &&
         without_encoding(written.as<Dataset>()) == without_encoding(read.as<Dataset>());
}

// parquet: an array of partitions (bytes), encoded by the front end.

Value partitions(std::vector<std::string> parts) {
  Value::Array a;
  for (auto& p : parts) a.emplace_back(Bytes(std::move(p)));
  return Value(std::move(a));
}

std::vector<TreeSample> parquet_samples() {
  std::string binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  std::vector<std::string> twelve;
  for (int i = 0; i < 12; ++i) twelve.push_back("PAR1 partition " + std::to_string(i) + " PAR1");
  return {
      {"three_partitions",
       Boxed::make(partitions({"PAR1 first PAR1", binary, std::string(70000, 'z')}))},
      {"twelve_partitions_in_order", Boxed::make(partitions(twelve))},
      {"one_partition", Boxed::make(partitions({"PAR1 only PAR1"}))},
  };
}

std::vector<TreeSample> parquet_edge_samples() {
  return {
      {"zero_length_partition", Boxed::make(partitions({""}))},
      {"zero_length_among_others", Boxed::make(partitions({"a", "", "c"}))},
      {"no_partitions", Boxed::make(Value::array())},
  };
}

bool values_equal(const Boxed& written, const Boxed& read) {
  return read.holds<Value>() && written.as<Value>() == read.as<Value>();
}

/// Samples and expectations by backend name. A registered tree codec missing here fails
/// HasSamples: add it.
const std::map<std::string, TreeTraits>& tree_traits() {
  static const std::map<std::string, TreeTraits> traits = {
      {"zarr",
       {.samples = zarr_samples,
        .edge_samples = zarr_edge_samples,
        .equal = datasets_equal,
        .wrong_type = Boxed::make(Value(1)),
        .strict_read_kwargs = Value::object({{"missing_chunks", "error"}})}},
      {"parquet",
       {.samples = parquet_samples,
        .edge_samples = parquet_edge_samples,
        .equal = values_equal,
        .wrong_type = Boxed::make(Bytes("not partitions")),
        .opaque_objects = true}},
      {"arrow",  // the same layout as parquet, Arrow IPC files
       {.samples = parquet_samples,
        .edge_samples = parquet_edge_samples,
        .equal = values_equal,
        .wrong_type = Boxed::make(Bytes("not partitions")),
        .opaque_objects = true}},
  };
  return traits;
}

/// The backends of every registered codec whose payload is a tree the engine writes
/// (front-end payloads, delta and sql, are tested from Python).
std::vector<std::string> tree_backends() {
  std::vector<std::string> out;
  for (const std::string& name : CodecRegistry::names()) {
    const Codec& codec = CodecRegistry::get(name);
    if (!codec.single_file() && !codec.front_end_payload()) out.push_back(name);
  }
  return out;
}

// --- the locations --------------------------------------------------------------------

struct TreeCase {
  std::string backend;
  std::string location;  // "memory" or "file"
  friend void PrintTo(const TreeCase& c, std::ostream* os) {
    *os << c.backend << " on " << c.location;
  }
};

std::vector<TreeCase> tree_cases() {
  std::vector<TreeCase> out;
  for (const std::string& backend : tree_backends()) {
    for (const char* location : {"memory", "file"}) out.push_back({backend, location});
  }
  return out;
}

/// Relative path -> bytes of every object under `prefix`.
using Snapshot = std::map<std::string, std::string>;

Snapshot snapshot(Storage& storage, const std::string& prefix) {
  Snapshot out;
  for (const ObjectInfo& info : storage.list(prefix)) {
    std::optional<std::string> bytes = storage.read(info.path);
    EXPECT_TRUE(bytes) << info.path << " listed but unreadable";
    out[info.path.substr(prefix.size())] = bytes.value_or("");
  }
  return out;
}

class TreeCodecTest : public ::testing::TestWithParam<TreeCase> {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    if (GetParam().location == "memory") {
      storage_ = StorageRegistry::open("memory://tree-conformance-" + std::to_string(::getpid()) +
                                       "-" + std::to_string(counter++));
    } else {
      dir_ = std::make_unique<testing::TempDir>("tree-conformance");
      storage_ = StorageRegistry::open(dir_->string());
    }
    auto it = tree_traits().find(GetParam().backend);
    if (it != tree_traits().end()) traits_ = &it->second;
  }

  const Codec& codec() const { return CodecRegistry::get(GetParam().backend); }
  Storage& storage() { return *storage_; }
  const TreeTraits& traits() const { return *traits_; }
  bool has_traits() const { return traits_ != nullptr; }

  /// A payload prefix as the engine lays one out: data/<ns>/<key>/<entry id><ext>/.
  std::string payload(const std::string& entry) const {
    return "data/ns/key/" + entry + std::string(codec().extension()) + "/";
  }

  std::uint64_t write(const TreeSample& s, const std::string& prefix) {
    return codec().write_tree(s.value, storage(), prefix, s.write_kwargs);
  }

  /// What a read of `prefix` gives: the value, or the message of the nh::Error it threw.
  /// Any other exception fails the test.
  struct Outcome {
    std::optional<Boxed> value;
    std::string error;
  };
  Outcome read_outcome(const std::string& prefix) {
    try {
      return {codec().read_tree(storage(), prefix, traits().strict_read_kwargs), ""};
    } catch (const Error& e) {
      return {std::nullopt, e.what()};
    } catch (const std::exception& e) {
      ADD_FAILURE() << "read_tree threw a " << type_name(typeid(e)) << ", not an nh::Error: "
                    << e.what();
      return {std::nullopt, e.what()};
    }
  }

 private:
  std::unique_ptr<testing::TempDir> dir_;
  StoragePtr storage_;
  const TreeTraits* traits_ = nullptr;
};

#define REQUIRE_TRAITS()                                                                  \
  if (!has_traits()) GTEST_SKIP() << "no samples for backend " << GetParam().backend \
                                  << " (HasSamples fails)"

TEST_P(TreeCodecTest, HasSamples) {
  ASSERT_TRUE(has_traits()) << "tree codec '" << GetParam().backend
                            << "' has no samples: add it to tree_traits()";
  EXPECT_GE(traits().samples().size(), 2u) << "two payloads side by side need two samples";
  EXPECT_FALSE(traits().wrong_type.type() == codec().stored_type());
}

TEST_P(TreeCodecTest, IsRegisteredAsATreeUnderItsName) {
  const Codec* found = CodecRegistry::find(GetParam().backend);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->name(), GetParam().backend);
  EXPECT_FALSE(found->single_file());
  ASSERT_FALSE(found->extension().empty());
  EXPECT_EQ(found->extension()[0], '.');
}

TEST_P(TreeCodecTest, RefusesSingleFileCalls) {
  const std::string backend(codec().name());
  try {
    codec().encode(Boxed(), Value());
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_EQ(e.what(), "backend " + backend + " is not a single-file codec");
  }
  EXPECT_THROW(codec().decode("bytes", Value()), CodecError);
}

TEST_P(TreeCodecTest, EverySampleRoundTrips) {
  REQUIRE_TRAITS();
  int n = 0;
  for (const TreeSample& s : traits().samples()) {
    SCOPED_TRACE(s.name);
    const std::string prefix = payload("sample-" + std::to_string(n++));
    write(s, prefix);
    for (const Value& kwargs : {Value::object(), Value(), traits().strict_read_kwargs}) {
      Boxed back = codec().read_tree(storage(), prefix, kwargs);
      ASSERT_EQ(back.type(), codec().stored_type()) << type_name(back.type());
      EXPECT_TRUE(traits().equal(s.value, back)) << "kwargs " << kwargs.to_string();
    }
  }
}

TEST_P(TreeCodecTest, EdgeValuesRoundTripOrAreRefusedOnWrite) {
  REQUIRE_TRAITS();
  int n = 0;
  std::string write_only;
  for (const TreeSample& s : traits().edge_samples()) {
    SCOPED_TRACE(s.name);
    const std::string prefix = payload("edge-" + std::to_string(n++));
    try {
      write(s, prefix);
    } catch (const CodecError& e) {
      EXPECT_THAT(e.what(), HasSubstr(GetParam().backend)) << "a refusal names the backend";
      EXPECT_TRUE(storage().list(prefix).empty()) << "a refused value left objects behind";
      continue;
    }
    Outcome back = read_outcome(prefix);
    if (!back.value) {
      write_only += " " + s.name + " (" + back.error + ")";
      continue;
    }
    EXPECT_TRUE(traits().equal(s.value, *back.value));
  }
  EXPECT_EQ(write_only, "") << "values written that cannot be read back";
}

TEST_P(TreeCodecTest, WritesOnlyUnderThePayloadPrefix) {
  REQUIRE_TRAITS();
  // Neighbours: another location's object, and a sibling whose name extends the prefix's.
  storage().write("other/object", "keep");
  const std::string prefix = payload("entry");
  const std::string sibling = prefix.substr(0, prefix.size() - 1) + ".tmp/object";
  storage().write(sibling, "keep too");
  const std::uint64_t written = write(traits().samples().front(), prefix);

  std::uint64_t listed_bytes = 0;
  std::size_t in_tree = 0;
  for (const ObjectInfo& info : storage().list("")) {
    if (info.path == "other/object" || info.path == sibling) continue;
    EXPECT_EQ(info.path.rfind(prefix, 0), 0u) << info.path << " is outside " << prefix;
    listed_bytes += info.size;
    ++in_tree;
  }
  EXPECT_GT(in_tree, 0u);
  EXPECT_EQ(storage().read("other/object"), "keep");
  EXPECT_EQ(storage().read(sibling), "keep too");
  // The bytes written are at most what the tree holds (a codec may count only data).
  EXPECT_GT(written, 0u);
  EXPECT_LE(written, listed_bytes);
}

TEST_P(TreeCodecTest, ASecondPayloadLeavesTheFirstUntouched) {
  REQUIRE_TRAITS();
  const std::vector<TreeSample> samples = traits().samples();
  ASSERT_GE(samples.size(), 2u);
  const std::string first = payload("first");
  write(samples[0], first);
  const Snapshot before = snapshot(storage(), first);
  // Written beside it, and into a prefix whose name starts with the first's.
  write(samples[1], payload("second"));
  write(samples[1], first.substr(0, first.size() - 1) + "-2/");
  EXPECT_EQ(snapshot(storage(), first), before);
  EXPECT_TRUE(traits().equal(samples[0].value, codec().read_tree(storage(), first, Value())));
  EXPECT_TRUE(
      traits().equal(samples[1].value, codec().read_tree(storage(), payload("second"), Value())));
}

TEST_P(TreeCodecTest, WritingIsDeterministic) {
  REQUIRE_TRAITS();
  const std::vector<TreeSample> samples = traits().samples();
  const TreeSample& s = samples.front();
  write(s, payload("a"));
  write(s, payload("b"));
  EXPECT_EQ(snapshot(storage(), payload("a")), snapshot(storage(), payload("b")));
}

TEST_P(TreeCodecTest, RefusesAnotherStoredTypeAndAnEmptyBoxWritingNothing) {
  REQUIRE_TRAITS();
  const std::string prefix = payload("refused");
  try {
    codec().write_tree(traits().wrong_type, storage(), prefix, Value());
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("backend " + GetParam().backend));
  }
  EXPECT_THROW(codec().write_tree(Boxed(), storage(), prefix, Value()), CodecError);
  EXPECT_TRUE(storage().list("").empty());
}

TEST_P(TreeCodecTest, AnEmptyPrefixIsAnErrorNamingIt) {
  REQUIRE_TRAITS();
  const std::string prefix = payload("never-written");
  Outcome back = read_outcome(prefix);
  ASSERT_FALSE(back.value) << "read a value from an empty prefix";
  EXPECT_THAT(back.error, HasSubstr(prefix.substr(0, prefix.size() - 1)));
}

/// Expects `error` to name the object `key` of the tree at `prefix`: by its key, or for an
/// object at the tree's root (its own metadata, such as a Zarr group's), by the tree's
/// path (or URL, which holds it).
void expect_names_object(const std::string& error, const std::string& prefix,
                         const std::string& key) {
  const bool at_root = key.find('/') == std::string::npos;
  if (at_root && error.find(key) == std::string::npos) {
    EXPECT_THAT(error, HasSubstr(prefix.substr(0, prefix.size() - 1)));  // path or URL
  } else {
    EXPECT_THAT(error, HasSubstr(key));
  }
}

TEST_P(TreeCodecTest, AMissingObjectIsAnErrorNamingIt) {
  REQUIRE_TRAITS();
  std::string silent;  // objects whose absence read back as a different value
  int n = 0;
  for (const TreeSample& s : traits().samples()) {
    const std::string prefix = payload("tree-" + std::to_string(n++));
    write(s, prefix);
    const Snapshot objects = snapshot(storage(), prefix);
    ASSERT_FALSE(objects.empty());
    for (const auto& [key, bytes] : objects) {
      SCOPED_TRACE(s.name + " without " + key);
      storage().remove({prefix + key});
      Outcome back = read_outcome(prefix);
      storage().write(prefix + key, bytes);  // restored for the next object
      if (!back.value) {
        expect_names_object(back.error, prefix, key);
      } else if (!traits().equal(s.value, *back.value)) {
        silent += " " + s.name + ":" + key;
      }  // else the object was redundant (consolidated metadata holds its content, or
         // parquet's partition count, which only guards against missing partitions)
    }
  }
  EXPECT_EQ(silent, "") << "objects whose absence read back as another value";
}

TEST_P(TreeCodecTest, ADamagedObjectIsAnErrorNeverACrash) {
  REQUIRE_TRAITS();
  const std::vector<std::pair<std::string, std::function<std::string(const std::string&)>>>
      damages = {
          {"truncated to half", [](const std::string& b) { return b.substr(0, b.size() / 2); }},
          {"truncated to nothing", [](const std::string&) { return std::string(); }},
          {"one byte short",
           [](const std::string& b) { return b.empty() ? b : b.substr(0, b.size() - 1); }},
          {"replaced by garbage",
           [](const std::string& b) {
             std::string g = std::string("\xff\x00garbage{\"[", 12) +
                             std::string(b.size() % 7, '\x80');
             return g == b ? g + "!" : g;
           }},
      };
  int errors = 0;
  int n = 0;
  for (const TreeSample& s : traits().samples()) {
    const std::string prefix = payload("tree-" + std::to_string(n++));
    write(s, prefix);
    for (const auto& [key, bytes] : snapshot(storage(), prefix)) {
      for (const auto& [damage, apply] : damages) {
        SCOPED_TRACE(s.name + ": " + key + " " + damage);
        const std::string damaged = apply(bytes);
        if (damaged == bytes) continue;
        storage().write(prefix + key, damaged);
        Outcome back = read_outcome(prefix);
        storage().write(prefix + key, bytes);  // restored for the next case
        if (!back.value) {
          ++errors;
          expect_names_object(back.error, prefix, key);
        } else if (!traits().opaque_objects) {  // opaque ones are the front end's to check
          EXPECT_TRUE(traits().equal(s.value, *back.value)) << "read back as another value";
        }
      }
    }
  }
  if (!traits().opaque_objects) EXPECT_GT(errors, 0);
}

INSTANTIATE_TEST_SUITE_P(TreeCodecs, TreeCodecTest, ::testing::ValuesIn(tree_cases()),
                         [](const auto& info) {
                           return info.param.backend + "_" + info.param.location;
                         });

TEST(TreeCodecRegistryTest, ZarrAndParquetAreTrees) {
  const std::vector<std::string> trees = tree_backends();
  EXPECT_THAT(trees, ::testing::IsSupersetOf({"arrow", "parquet", "zarr"}));
  for (const std::string& name : CodecRegistry::names()) {
    const Codec& codec = CodecRegistry::get(name);
    const bool tree = !codec.single_file() && !codec.front_end_payload();
    EXPECT_EQ(tree, tree_traits().contains(name)) << name;
  }
}

// delta and sql: directory payloads the Python package writes and reads; the engine
// knows their names and extensions (for listing, deleting and gc), runs no code reading
// them, and says who writes them when asked to itself.
TEST(FrontEndPayloadCodecs, DeltaAndSqlAreKnownAndRefuseTheEngineByName) {
  for (const auto& [name, extension] : std::vector<std::pair<std::string, std::string>>{
           {"delta", ".delta"}, {"sql", ".sql"}}) {
    SCOPED_TRACE(name);
    const Codec& codec = CodecRegistry::get(name);
    EXPECT_EQ(codec.extension(), extension);
    EXPECT_FALSE(codec.single_file());
    EXPECT_TRUE(codec.front_end_payload());
    EXPECT_FALSE(codec.runs_code_on_read());
    auto storage = StorageRegistry::open("memory://front-end-" + name, Value::object());
    try {
      codec.read_tree(*storage, "data/x", Value::object());
      ADD_FAILURE() << "read_tree did not throw";
    } catch (const CodecError& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("Python package"));
    }
  }
}

// sql releases an entry's table before its payload goes: nothing to do without the
// record (a writer that died first); a record naming no table, or a server that cannot be
// reached, is a StorageError naming the payload or the database (the payload is kept).
TEST(FrontEndPayloadCodecs, SqlReleaseNamesWhatIsWrong) {
  const Codec& sql = CodecRegistry::get("sql");
  EXPECT_THAT(sql.release_settings(), ::testing::Contains("write_password"));
  auto storage = StorageRegistry::open("memory://sql-release", Value::object());
  const std::string payload = "data/_/f/sql-01ARZ3NDEKTSV4RRFFQ69G5FAV.sql";
  EXPECT_NO_THROW(sql.release_payload(*storage, payload, Value::object()));
  storage->write(payload + "/_nuthatch_table.json", R"({"schema": "public"})");
  try {
    sql.release_payload(*storage, payload, Value::object());
    ADD_FAILURE() << "a record without a table was accepted";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("names no table"));
  }
  // A record naming a table that is not this entry's drops nothing.
  storage->write(payload + "/_nuthatch_table.json",
                 R"({"schema": "public", "table": "someone_elses_table"})");
  try {
    sql.release_payload(*storage, payload, Value::object());
    ADD_FAILURE() << "a record naming another table was accepted";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("not this entry's"));
  }
  storage->write(payload + "/_nuthatch_table.json",
                 R"({"schema": "public", "table": "f@01ARZ3NDEKTSV4RRFFQ69G5FAV"})");
  Value settings = Value::object({{"host", "127.0.0.1"},
                                  {"port", "9"},
                                  {"database", "caches"},
                                  {"username", "reader"},
                                  {"password", "Sekr3t-pw"}});
  try {
    sql.release_payload(*storage, payload, settings);
    ADD_FAILURE() << "an unreachable server was accepted";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("database 'caches' on 127.0.0.1:9"));
    EXPECT_THAT(e.what(), ::testing::Not(::testing::HasSubstr("Sekr3t-pw")));
  }
}

TEST(FrontEndPayloadCodecs, TerracottaReleaseUnregistersOnlyThePayloadsRasters) {
  const Codec& tc = CodecRegistry::get("terracotta");
  EXPECT_EQ(tc.extension(), ".terracotta");
  auto storage = StorageRegistry::open("memory://terracotta-release", Value::object());
  const std::string payload = "data/_/rain/terracotta-01ARZ3NDEKTSV4RRFFQ69G5FAV.terracotta";
  // No database configured, or a database file that is gone: nothing to unregister.
  EXPECT_NO_THROW(tc.release_payload(*storage, payload, Value::object()));
  char dir_template[] = "/tmp/nuthatch-tc-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const std::string file = dir + "/terracotta.sqlite";
  const Value settings = Value::object({{"driver", "sqlite"}, {"database", file}});
  EXPECT_NO_THROW(tc.release_payload(*storage, payload, settings));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  const std::string setup =
      "CREATE TABLE datasets (key TEXT PRIMARY KEY, path TEXT);"
      "CREATE TABLE metadata (key TEXT PRIMARY KEY, bounds_north REAL);"
      "INSERT INTO datasets VALUES ('rain_a', '/root/" + payload + "/a.tif'),"
      " ('rain_b', 's3://tiles/" + payload + "/b.tif'),"
      " ('rain_new', '/root/data/_/rain/terracotta-01BX5ZZKBKACTAV9WEVGEMMVRZ.terracotta/a.tif'),"
      " ('other', '/root/data/_/rain/terracotta-01ARZ3NDEKTSV4RRFFQ69G5FAV.terracotta.bak/x.tif');"
      "INSERT INTO metadata VALUES ('rain_a', 1), ('rain_b', 2), ('rain_new', 3), ('other', 4);";
  ASSERT_EQ(sqlite3_exec(db, setup.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  tc.release_payload(*storage, payload, settings);
  auto keys = [&](const char* table) {
    std::vector<std::string> out;
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, fmt::format("SELECT key FROM {} ORDER BY key", table).c_str(), -1,
                       &stmt, nullptr);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    }
    sqlite3_finalize(stmt);
    return out;
  };
  EXPECT_THAT(keys("datasets"), ::testing::ElementsAre("other", "rain_new"));
  EXPECT_THAT(keys("metadata"), ::testing::ElementsAre("other", "rain_new"));
  sqlite3_close(db);
  std::filesystem::remove_all(dir);
  // An unknown driver, and an unreachable PostgreSQL, say so without the password.
  EXPECT_THROW(tc.release_payload(*storage, payload,
                                  Value::object({{"driver", "mysql"}, {"database", "d"}})),
               StorageError);
  try {
    tc.release_payload(*storage, payload,
                       Value::object({{"host", "127.0.0.1"}, {"port", "9"}, {"database", "tiles"},
                                      {"username", "reader"}, {"password", "Sekr3t-pw"}}));
    ADD_FAILURE() << "an unreachable server was accepted";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("database 'tiles' on 127.0.0.1:9"));
    EXPECT_THAT(e.what(), ::testing::Not(::testing::HasSubstr("Sekr3t-pw")));
  }
}

}  // namespace
}  // namespace nuthatch
