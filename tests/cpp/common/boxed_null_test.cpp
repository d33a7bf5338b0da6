// nh::Boxed::from_shared of a null pointer (nuthatch/boxed.hpp): an empty Boxed, like a
// default-constructed one, whatever type it is tagged with; never one that is empty()
// and yet claims to hold a T.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <typeinfo>

#include "nuthatch/boxed.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/value.hpp"

namespace nuthatch {
namespace {

using ::testing::HasSubstr;

TEST(BoxedNullTest, FromSharedOfANullPointerIsEmptyAndHoldsNoType) {
  const Boxed b = Boxed::from_shared(nullptr, typeid(int));
  EXPECT_TRUE(b.empty());
  EXPECT_FALSE(b);
  EXPECT_FALSE(b.holds<int>());
  EXPECT_EQ(b.get<int>(), nullptr);
  EXPECT_TRUE(b.type() == typeid(void));
  EXPECT_TRUE(b.type() == Boxed().type());
  EXPECT_EQ(b.shared(), nullptr);
}

TEST(BoxedNullTest, ANullPointerOfAnyTypeIsEmpty) {
  const Boxed value = Boxed::from_shared(std::shared_ptr<const Value>(), typeid(Value));
  EXPECT_TRUE(value.empty());
  EXPECT_FALSE(value.holds<Value>());
  const Boxed void_tagged = Boxed::from_shared(nullptr, typeid(void));
  EXPECT_TRUE(void_tagged.empty());
  EXPECT_FALSE(void_tagged.holds<void>());
}

TEST(BoxedNullTest, AsOnANullFromSharedSaysThereIsNoValue) {
  const Boxed b = Boxed::from_shared(nullptr, typeid(int));
  try {
    (void)b.as<int>();
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("expected a value of type int, got no value"));
  }
}

TEST(BoxedNullTest, ANonNullPointerStillHoldsItsType) {
  const Boxed b = Boxed::from_shared(std::make_shared<const int>(5), typeid(int));
  EXPECT_FALSE(b.empty());
  EXPECT_TRUE(b.holds<int>());
  EXPECT_EQ(b.as<int>(), 5);
}

}  // namespace
}  // namespace nuthatch
