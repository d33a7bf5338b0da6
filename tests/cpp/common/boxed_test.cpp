// nh::Boxed (nuthatch/boxed.hpp): an empty box is "no value"; a box holds one immutable,
// shared value of an exact type; asking for another type is nullptr from get() and a
// CodecError naming both types from as(); type_name() demangles.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#include "nuthatch/boxed.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/ndarray.hpp"
#include "nuthatch/value.hpp"

namespace nuthatch {
namespace {

struct Point {
  int x = 0;
  int y = 0;
};

/// The message of the CodecError `f` throws; fails the test when it throws nothing.
template <class F>
std::string codec_error_of(F f) {
  try {
    f();
  } catch (const CodecError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a CodecError";
  return "";
}

TEST(BoxedTest, DefaultIsEmpty) {
  const Boxed b;
  EXPECT_TRUE(b.empty());
  EXPECT_FALSE(static_cast<bool>(b));
  EXPECT_EQ(b.type(), typeid(void));
  EXPECT_FALSE(b.holds<int>());
  EXPECT_FALSE(b.holds<void>());
  EXPECT_EQ(b.get<int>(), nullptr);
  EXPECT_EQ(b.shared(), nullptr);
  EXPECT_EQ(codec_error_of([&] { b.as<int>(); }), "expected a value of type int, got no value");
}

TEST(BoxedTest, HoldsExactlyTheTypeItWasMadeWith) {
  const Boxed b = Boxed::make(42);
  EXPECT_FALSE(b.empty());
  EXPECT_TRUE(static_cast<bool>(b));
  EXPECT_EQ(b.type(), typeid(int));
  EXPECT_TRUE(b.holds<int>());
  EXPECT_FALSE(b.holds<long>());      // no integer promotion
  EXPECT_FALSE(b.holds<unsigned>());  // nor sign change
  ASSERT_NE(b.get<int>(), nullptr);
  EXPECT_EQ(*b.get<int>(), 42);
  EXPECT_EQ(b.get<long>(), nullptr);
  EXPECT_EQ(b.as<int>(), 42);
  EXPECT_EQ(&b.as<int>(), b.get<int>());
}

TEST(BoxedTest, WrongTypeNamesBothTypes) {
  const Boxed i = Boxed::make(1);
  EXPECT_EQ(codec_error_of([&] { i.as<double>(); }),
            "expected a value of type double, got int");
  const Boxed v = Boxed::make(Value(1));
  EXPECT_EQ(codec_error_of([&] { v.as<Bytes>(); }),
            "expected a value of type nuthatch::Bytes, got nuthatch::Value");
  EXPECT_EQ(codec_error_of([&] { Boxed::make(Dataset{}).as<NDArray>(); }),
            "expected a value of type nuthatch::NDArray, got nuthatch::Dataset");
  EXPECT_EQ(codec_error_of([&] { Boxed::make(Point{}).as<Value>(); }),
            "expected a value of type nuthatch::Value, got nuthatch::(anonymous namespace)::Point");
}

TEST(BoxedTest, ValueAndBytesAreDistinctStoredTypes) {
  const Boxed v = Boxed::make(Value("s"));
  const Boxed b = Boxed::make(Bytes("s"));
  EXPECT_TRUE(v.holds<Value>());
  EXPECT_FALSE(v.holds<Bytes>());
  EXPECT_TRUE(b.holds<Bytes>());
  EXPECT_FALSE(b.holds<Value>());
  EXPECT_EQ(v.as<Value>(), Value("s"));
  EXPECT_EQ(b.as<Bytes>(), Bytes("s"));
}

TEST(BoxedTest, CopiesShareOneImmutableObject) {
  const Boxed a = Boxed::make(std::vector<int>{1, 2, 3});
  const Boxed b = a;
  EXPECT_EQ(a.get<std::vector<int>>(), b.get<std::vector<int>>());
  EXPECT_EQ(a.shared(), b.shared());
  EXPECT_EQ(a.shared().use_count(), 2);
  static_assert(std::is_same_v<decltype(a.get<int>()), const int*>);
  static_assert(std::is_same_v<decltype(a.as<int>()), const int&>);
}

TEST(BoxedTest, KeepsItsValueAliveAfterTheSourceIsGone) {
  Boxed b;
  {
    std::string source(1000, 'x');
    b = Boxed::make(source);
    source.clear();
  }
  EXPECT_EQ(b.as<std::string>(), std::string(1000, 'x'));
  Boxed moved = std::move(b);
  EXPECT_EQ(moved.as<std::string>().size(), 1000u);
}

TEST(BoxedTest, AcceptsMoveOnlyTypes) {
  const Boxed b = Boxed::make(std::make_unique<int>(7));
  ASSERT_TRUE(b.holds<std::unique_ptr<int>>());
  EXPECT_EQ(*b.as<std::unique_ptr<int>>(), 7);
}

TEST(BoxedTest, FromSharedHoldsAForeignObjectUntilTheLastCopyGoes) {
  auto destroyed = std::make_shared<bool>(false);
  struct Foreign {
    std::shared_ptr<bool> flag;
    ~Foreign() { *flag = true; }
  };
  {
    auto object = std::make_shared<const Foreign>(Foreign{destroyed});
    *destroyed = false;  // the temporary above was destroyed
    const Boxed b = Boxed::from_shared(object, typeid(Foreign));
    object.reset();
    const Boxed copy = b;
    EXPECT_TRUE(copy.holds<Foreign>());
    EXPECT_EQ(copy.as<Foreign>().flag, destroyed);
    EXPECT_FALSE(*destroyed);
  }
  EXPECT_TRUE(*destroyed);
}

TEST(BoxedTest, FromSharedTrustsTheGivenTypeAndANullPointerIsEmpty) {
  const Boxed tagged = Boxed::from_shared(std::make_shared<const int>(3), typeid(int));
  EXPECT_EQ(tagged.as<int>(), 3);
  const Boxed null_object = Boxed::from_shared(nullptr, typeid(int));
  EXPECT_TRUE(null_object.empty());
}

TEST(TypeNameTest, Demangles) {
  EXPECT_EQ(type_name(typeid(int)), "int");
  EXPECT_EQ(type_name(typeid(double)), "double");
  EXPECT_EQ(type_name(typeid(Value)), "nuthatch::Value");
  EXPECT_EQ(type_name(typeid(Dataset)), "nuthatch::Dataset");
  EXPECT_EQ(type_name(typeid(std::vector<int>)), "std::vector<int, std::allocator<int> >");
  EXPECT_EQ(type_name(typeid(void)), "void");
}

}  // namespace
}  // namespace nuthatch
