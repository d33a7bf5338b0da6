// The `parquet` backend records how many partitions it wrote, as an empty object
// `_partitions.<n>` written after them, and read_tree holds the payload to it: a missing
// partition (a gap or the last ones) or one beyond the count is a CodecError naming it.
// Payloads written before the count was recorded read as before, a gap in their parts an
// error. An array of no partitions is refused on write. The `arrow` backend (Arrow IPC
// files) keeps the same layout under its own suffix, and its messages name it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kPath = "t.parquet/";

StoragePtr memory() {
  static std::atomic<int> counter{0};
  return StorageRegistry::open("memory://parquet-count-" + std::to_string(::getpid()) + "-" +
                               std::to_string(counter++));
}

const Codec& parquet() { return CodecRegistry::get("parquet"); }

Value partitions(int n) {
  Value::Array parts;
  for (int i = 0; i < n; ++i) parts.emplace_back(Bytes("partition " + std::to_string(i)));
  return Value(std::move(parts));
}

std::string part(int i) { return std::string(kPath) + "part." + std::to_string(i) + ".parquet"; }

/// The message of the CodecError read_tree throws; fails the test when it reads.
std::string read_error(Storage& storage) {
  try {
    const Boxed back = parquet().read_tree(storage, std::string(kPath), Value());
    ADD_FAILURE() << "read " << back.as<Value>().size() << " partitions without error";
  } catch (const CodecError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> listed(Storage& storage) {
  std::vector<std::string> out;
  for (const ObjectInfo& info : storage.list("")) out.push_back(info.path);
  return out;
}

TEST(ParquetPartitionCount, IsAnEmptyObjectBesideThePartsThatKeepTheirNames) {
  StoragePtr storage = memory();
  const std::uint64_t written =
      parquet().write_tree(Boxed::make(partitions(3)), *storage, std::string(kPath), Value());
  EXPECT_EQ(written, 3 * std::string("partition 0").size());
  EXPECT_THAT(listed(*storage), ::testing::UnorderedElementsAre(part(0), part(1), part(2),
                                                                "t.parquet/_partitions.3"));
  EXPECT_EQ(storage->read("t.parquet/_partitions.3"), "");
}

TEST(ParquetPartitionCount, AMissingPartitionIsAnErrorNamingIt) {
  for (int missing : {0, 1, 11}) {
    SCOPED_TRACE(missing);
    StoragePtr storage = memory();
    parquet().write_tree(Boxed::make(partitions(12)), *storage, std::string(kPath), Value());
    storage->remove({part(missing)});
    const std::string error = read_error(*storage);
    EXPECT_THAT(error, HasSubstr(part(missing) + " is missing"));
    EXPECT_THAT(error, HasSubstr("records 12 partitions"));
  }
}

TEST(ParquetPartitionCount, AllPartitionsMissingIsAnErrorNamingTheFirst) {
  StoragePtr storage = memory();
  parquet().write_tree(Boxed::make(partitions(2)), *storage, std::string(kPath), Value());
  storage->remove({part(0), part(1)});
  EXPECT_THAT(read_error(*storage), HasSubstr(part(0) + " is missing"));
}

TEST(ParquetPartitionCount, APartBeyondTheCountIsAnError) {
  StoragePtr storage = memory();
  parquet().write_tree(Boxed::make(partitions(2)), *storage, std::string(kPath), Value());
  storage->write(part(2), "stray");
  EXPECT_THAT(read_error(*storage), HasSubstr(part(2) + " beyond the 2 partitions"));
}

TEST(ParquetPartitionCount, ABadOrSecondCountIsAnError) {
  for (const std::string& bad : {"_partitions.x", "_partitions.", "_partitions.03",
                                 "_partitions.-1", "_partitions.2"}) {
    SCOPED_TRACE(bad);
    StoragePtr storage = memory();
    parquet().write_tree(Boxed::make(partitions(3)), *storage, std::string(kPath), Value());
    storage->write(std::string(kPath) + bad, "");
    EXPECT_THAT(read_error(*storage), HasSubstr("bad partition count"));
  }
}

TEST(ParquetPartitionCount, PayloadsWithoutACountReadAsBefore) {
  StoragePtr storage = memory();
  const Value parts = partitions(12);
  for (int i = 0; i < 12; ++i) storage->write(part(i), parts[i].bytes_ref().view());
  storage->write("t.parquet/_metadata", "ignored");
  storage->write("t.parquet/part.01.parquet", "not the writer's name: ignored");
  EXPECT_EQ(parquet().read_tree(*storage, std::string(kPath), Value()).as<Value>(), parts);
  // A gap in the listed parts is a missing partition.
  storage->remove({part(4)});
  EXPECT_THAT(read_error(*storage), HasSubstr(part(4) + " is missing"));
}

TEST(ParquetPartitionCount, NoPartitionsAreRefusedOnWriteLeavingNothing) {
  StoragePtr storage = memory();
  try {
    parquet().write_tree(Boxed::make(Value::array()), *storage, std::string(kPath), Value());
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("backend parquet stores at least one partition"));
  }
  EXPECT_TRUE(listed(*storage).empty());
  EXPECT_THAT(read_error(*storage), HasSubstr("holds no partitions"));
}

TEST(ParquetPartitionCount, AZeroLengthPartitionRoundTrips) {
  StoragePtr storage = memory();
  const Value parts = Value::array({Bytes(""), Bytes("b")});
  parquet().write_tree(Boxed::make(parts), *storage, std::string(kPath), Value());
  EXPECT_EQ(parquet().read_tree(*storage, std::string(kPath), Value()).as<Value>(), parts);
}

TEST(ArrowTableFiles, KeepTheParquetLayoutUnderTheirOwnSuffix) {
  StoragePtr storage = memory();
  const Codec& arrow = CodecRegistry::get("arrow");
  EXPECT_EQ(arrow.partition_name(3), "part.3.arrow");
  EXPECT_EQ(arrow.partitions_written_name(4), "_partitions.4");
  EXPECT_FALSE(arrow.single_file());
  arrow.write_tree(Boxed::make(partitions(2)), *storage, "t.arrow/", Value());
  EXPECT_THAT(listed(*storage), ::testing::UnorderedElementsAre(
                                    "t.arrow/part.0.arrow", "t.arrow/part.1.arrow",
                                    "t.arrow/_partitions.2"));
  // A parquet file beside them is another format's: not a partition of this table.
  storage->write("t.arrow/part.2.parquet", "stray");
  EXPECT_EQ(arrow.read_tree(*storage, "t.arrow/", Value()).as<Value>(), partitions(2));
  storage->remove({"t.arrow/part.1.arrow"});
  try {
    arrow.read_tree(*storage, "t.arrow/", Value());
    ADD_FAILURE() << "read a payload missing a partition";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("arrow partition t.arrow/part.1.arrow is missing"));
  }
  try {
    arrow.write_tree(Boxed::make(Value::array()), *storage, "u.arrow/", Value());
    ADD_FAILURE() << "stored no partitions";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("backend arrow stores at least one partition"));
  }
}

}  // namespace
}  // namespace nuthatch
