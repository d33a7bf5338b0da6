// Parquet partitions in Hive folders (`<column>=<value>/part.<i>.parquet`): the layout
// of a table partitioned by column values (the original Nuthatch's `cache_partition`),
// written and read back with each partition's folder, and checked on both sides.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "nuthatch/boxed.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"
#include "nuthatch/value.hpp"

namespace nuthatch {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr std::string_view kPath = "t.parquet/";

StoragePtr memory() {
  static std::atomic<int> counter{0};
  return StorageRegistry::open("memory://parquet-hive-" + std::to_string(::getpid()) + "-" +
                               std::to_string(counter++));
}

const Codec& parquet() { return CodecRegistry::get("parquet"); }

Value in_folder(std::string dir, std::string data) {
  return Value::object({{"dir", Value(std::move(dir))}, {"data", Value(Bytes(std::move(data)))}});
}

std::vector<std::string> listed(Storage& storage) {
  std::vector<std::string> out;
  for (const ObjectInfo& info : storage.list("")) out.push_back(info.path);
  return out;
}

std::string write_error(const Value& parts) {
  StoragePtr storage = memory();
  try {
    parquet().write_tree(Boxed::make(parts), *storage, std::string(kPath), Value());
    ADD_FAILURE() << "wrote without error";
  } catch (const CodecError& e) {
    EXPECT_TRUE(listed(*storage).empty()) << "a refused write left objects behind";
    return e.what();
  }
  return "";
}

TEST(ParquetHiveFolders, PartitionsRoundTripWithTheirFolders) {
  StoragePtr storage = memory();
  const Value parts = Value::array({in_folder("year=2020", "a"), in_folder("year=2021/site=x", "b"),
                                    Value(Bytes("flat")), in_folder("year=2020", "c")});
  parquet().write_tree(Boxed::make(parts), *storage, std::string(kPath), Value());
  EXPECT_THAT(listed(*storage),
              UnorderedElementsAre("t.parquet/year=2020/part.0.parquet",
                                   "t.parquet/year=2021/site=x/part.1.parquet",
                                   "t.parquet/part.2.parquet", "t.parquet/year=2020/part.3.parquet",
                                   "t.parquet/_partitions.4"));
  const Boxed back = parquet().read_tree(*storage, std::string(kPath), Value());
  EXPECT_EQ(back.as<Value>(), parts);
}

TEST(ParquetHiveFolders, BadFoldersAreRefusedBeforeAnythingIsWritten) {
  for (const char* dir : {"", "year", "=2020", "year=2020/", "/year=2020", "year=2020//a=b",
                          "../year=2020", ".hidden=1", "_tmp=1", "a=b\\c", "a=\x01"}) {
    SCOPED_TRACE(dir);
    EXPECT_THAT(write_error(Value::array({Value(Bytes("ok")), in_folder(dir, "x")})),
                HasSubstr("partition 1"));
  }
  EXPECT_THAT(write_error(Value::array({Value::object({{"dir", "a=1"}})})),
              HasSubstr("each bytes or"));
  EXPECT_THAT(write_error(Value::array({Value::object({{"dir", 1}, {"data", Bytes("x")}})})),
              HasSubstr("partition 0 is neither"));
}

TEST(ParquetHiveFolders, APartFoundTwiceOrOutsideAFolderIsAnError) {
  StoragePtr storage = memory();
  storage->write("t.parquet/a=1/part.0.parquet", "x");
  storage->write("t.parquet/a=2/part.0.parquet", "y");
  storage->write("t.parquet/_partitions.1", "");
  try {
    parquet().read_tree(*storage, std::string(kPath), Value());
    ADD_FAILURE() << "read a payload holding partition 0 twice";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("partition 0 twice"));
  }
  // A file in a folder that is not a Hive folder is not a partition: the count misses it.
  StoragePtr other = memory();
  other->write("t.parquet/notes/part.0.parquet", "x");
  other->write("t.parquet/_partitions.1", "");
  try {
    parquet().read_tree(*other, std::string(kPath), Value());
    ADD_FAILURE() << "read a partition outside a Hive folder";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("t.parquet/part.0.parquet is missing"));
  }
}

// Tables written by other writers (the original Nuthatch's pandas and dask tables);
// digits in paths by their value: g=2 before g=10, abc-9 before abc-10.

TEST(ParquetForeignTables, OneFileIsOnePartition) {
  StoragePtr storage = memory();
  storage->write("t.parquet", "whole table");
  const Boxed read = parquet().read_tree(*storage, std::string(kPath), Value());
  EXPECT_EQ(*read.get<Value>(), Value::array({Value(Bytes("whole table"))}));
}

TEST(ParquetForeignTables, DataFilesAreThePartitionsInPathOrder) {
  StoragePtr storage = memory();
  storage->write("t.parquet/g=10/abc-0.parquet", "g10");
  storage->write("t.parquet/g=2/abc-0.parquet", "g2");
  storage->write("t.parquet/g=2/abc-10.parquet", "g2b");
  storage->write("t.parquet/g=2/abc-9.parquet", "g2a");
  storage->write("t.parquet/_metadata", "not data");
  storage->write("t.parquet/_common_metadata.parquet", "not data");
  storage->write("t.parquet/.abc-0.parquet.crc", "not data");
  storage->write("t.parquet/notes.txt", "not data");
  const Boxed read = parquet().read_tree(*storage, std::string(kPath), Value());
  EXPECT_EQ(*read.get<Value>(),
            Value::array({in_folder("g=2", "g2"), in_folder("g=2", "g2a"),
                          in_folder("g=2", "g2b"), in_folder("g=10", "g10")}));
}

TEST(ParquetForeignTables, NothingToReadIsAnError) {
  StoragePtr storage = memory();
  storage->write("t.parquet/_metadata", "not data");
  try {
    parquet().read_tree(*storage, std::string(kPath), Value());
    ADD_FAILURE() << "read a table of no partitions";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("holds no partitions"));
  }
}

}  // namespace
}  // namespace nuthatch
