// The engine's messages go to an installed sink (nuthatch/log.hpp) instead of standard
// error, at or above the log level; at info each call tells where its result came from.

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;

namespace {

class LogSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nh::set_log_sink([this](nh::LogLevel level, const std::string& message) {
      std::lock_guard lock(mu_);
      messages_.emplace_back(level, message);
    });
  }
  void TearDown() override { nh::set_log_sink({}); }

  std::string joined(nh::LogLevel level) {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& [l, m] : messages_) {
      if (l == level) out += m + "\n";
    }
    return out;
  }

  nh::testing::TempProject project_;
  std::mutex mu_;
  std::vector<std::pair<nh::LogLevel, std::string>> messages_;
};

TEST_F(LogSinkTest, AtInfoACallTellsWhereItsResultCameFrom) {
  nh::set_parameter("log_level", nh::Value("info"));
  auto f = nh::cache("story", {"n"}, {.cache_args = {"n"}}, [](int n) { return n; });
  f(1);
  const std::string computed = joined(nh::LogLevel::info);
  EXPECT_NE(computed.find("no cache for 'story/n=1' (namespace _): running story"),
            std::string::npos) << computed;
  EXPECT_NE(computed.find("cached 'story/n=1' (namespace _) with backend basic in root"),
            std::string::npos) << computed;
  nh::clear_memoizer();
  f(1);
  EXPECT_NE(joined(nh::LogLevel::info)
                .find("found cache for 'story/n=1' (namespace _) with backend basic in root"),
            std::string::npos);
}

TEST_F(LogSinkTest, BelowTheLevelNothingArrivesAndWarningsDo) {
  int value = 1;
  auto f = nh::cache("quiet", {}, {}, [&] { return value; });
  f();
  EXPECT_EQ(joined(nh::LogLevel::info), "");  // default level: warn
  nh::set_prompter([](const std::string&) { return std::optional<bool>(); });  // nobody answers
  value = 2;
  f.with({.recompute = true})();
  nh::set_prompter({});
  EXPECT_NE(joined(nh::LogLevel::warn).find("keeping the existing cache entry for 'quiet'"),
            std::string::npos);
}

TEST_F(LogSinkTest, AnEmptySinkRestoresStandardError) {
  nh::LogSink previous = nh::set_log_sink({});
  EXPECT_TRUE(previous);
  EXPECT_FALSE(nh::set_log_sink(std::move(previous)));  // the default had no sink
}

}  // namespace
