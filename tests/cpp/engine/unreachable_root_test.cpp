// A root that cannot be reached: as the original Nuthatch, a call that names no cache mode
// runs in read_only_strict (its mirrors are read; a miss is a CacheMissError, not a
// computation nobody could store). A mode named by the call or the configuration applies
// as given.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;
namespace fs = std::filesystem;

namespace {

class UnreachableRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path mirror = project_.dir() / "mirror";
    nh::set_parameter("filesystem", nh::Value(mirror.string()), {.location = "root"});
    seed_mirror();
    project_.write_toml("[nuthatch.mirror-team]\nfilesystem = \"" + mirror.string() + "\"\n");
    // A root on a server that does not answer: a closed port on loopback, one attempt.
    nh::set_parameter("filesystem", nh::Value("s3://no-such-bucket/root"), {.location = "root"});
    nh::set_parameter("filesystem_options",
                      nh::Value::object({{"endpoint_url", nh::Value("http://127.0.0.1:9")},
                                         {"max_attempts", nh::Value(1)},
                                         {"key", nh::Value("k")},
                                         {"secret", nh::Value("s")}}),
                      {.location = "root"});
  }
  void seed_mirror() {
    nh::cache("stored", {"n"}, {.cache_args = {"n"}}, [](int n) { return n * 10; })(1);
  }
  nh::testing::TempProject project_;
};

TEST_F(UnreachableRootTest, CallsReadTheMirrorsAndAMissIsAnError) {
  int computed = 0;
  auto f = nh::cache("stored", {"n"}, {.cache_args = {"n"}}, [&](int n) {
    ++computed;
    return n;
  });
  EXPECT_EQ(f(1), 10);  // from the mirror
  EXPECT_THROW(f(2), nh::CacheMissError);
  EXPECT_EQ(computed, 0);
}

TEST_F(UnreachableRootTest, AModeTheCallNamesAppliesAsGiven) {
  auto f = nh::cache("stored", {"n"}, {.cache_args = {"n"}}, [](int n) { return n; });
  EXPECT_EQ(f.with({.cache_mode = nh::CacheMode::off})(2), 2);
  EXPECT_THROW(f.with({.cache_mode = nh::CacheMode::write})(3), nh::StorageError);
}

// status() reads the levels as the call does: the unreachable root is left out and the
// mirror's entry answers, rather than the root's error.
TEST_F(UnreachableRootTest, StatusAnswersFromTheMirrorsAsTheCallDoes) {
  auto f = nh::cache("stored", {"n"}, {.cache_args = {"n"}}, [](int n) { return n; });
  const nh::engine::EntryStatus s = nh::engine::status(f.spec(), {{nh::Value(1)}, {}}, {});
  EXPECT_EQ(s.state, "fresh");
  EXPECT_EQ(s.location, "mirror-team");
  EXPECT_EQ(nh::engine::status(f.spec(), {{nh::Value(2)}, {}}, {}).state, "missing");
}

}  // namespace
