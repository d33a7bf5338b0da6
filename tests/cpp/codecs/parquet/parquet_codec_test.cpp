// The `parquet` backend: a folder of partitions, part.<i>.parquet, read back in order.

#include <gtest/gtest.h>

#include <string>
#include <unistd.h>

#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch {
namespace {

StoragePtr memory(const std::string& tag) {
  return StorageRegistry::open("memory://parquet-" + tag + "-" + std::to_string(::getpid()));
}

Value partitions(int n) {
  Value::Array parts;
  for (int i = 0; i < n; ++i) parts.emplace_back(Bytes("partition " + std::to_string(i)));
  return Value(std::move(parts));
}

TEST(ParquetCodecTest, IsATreeOfPartitionsStoredAsValues) {
  const Codec& codec = CodecRegistry::get("parquet");
  EXPECT_FALSE(codec.single_file());
  EXPECT_EQ(codec.extension(), ".parquet");
  EXPECT_EQ(codec.stored_type(), typeid(Value));
}

TEST(ParquetCodecTest, PartitionsRoundTripInOrder) {
  const Codec& codec = CodecRegistry::get("parquet");
  StoragePtr storage = memory("order");
  const Value parts = partitions(12);  // part.10 sorts after part.9, not after part.1
  std::uint64_t written = codec.write_tree(Boxed::make(parts), *storage, "t.parquet/", Value());
  EXPECT_GT(written, 0u);
  EXPECT_TRUE(storage->stat("t.parquet/part.11.parquet"));
  storage->write("t.parquet/_metadata", "ignored");
  Boxed back = codec.read_tree(*storage, "t.parquet/", Value());
  EXPECT_EQ(back.as<Value>(), parts);
}

TEST(ParquetCodecTest, RejectsWhatIsNotPartitionsAndEmptyFolders) {
  const Codec& codec = CodecRegistry::get("parquet");
  StoragePtr storage = memory("bad");
  EXPECT_THROW(codec.write_tree(Boxed::make(Value(1)), *storage, "x/", Value()), CodecError);
  EXPECT_THROW(codec.write_tree(Boxed::make(Bytes("x")), *storage, "x/", Value()), CodecError);
  EXPECT_THROW(codec.read_tree(*storage, "empty/", Value()), CodecError);
}

}  // namespace
}  // namespace nuthatch
