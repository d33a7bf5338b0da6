// The question before replacing an existing entry goes through the installed prompter
// (nuthatch/prompt.hpp): a front end that answers yes replaces the entry, no keeps it, and
// one that cannot answer keeps it too (with a warning). The terminal default is covered by
// overwrite_prompt_test (a pseudo-terminal).

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "nuthatch/nuthatch.hpp"
#include "support/temp_project.hpp"

namespace nh = nuthatch;

namespace {

class PromptTest : public ::testing::Test {
 protected:
  void TearDown() override { nh::set_prompter({}); }
  nh::testing::TempProject project_;
};

TEST_F(PromptTest, TheAnswerDecidesWhetherARecomputedEntryReplacesTheOldOne) {
  int value = 1;
  auto f = nh::cache("answered", {}, {}, [&] { return value; });
  ASSERT_EQ(f(), 1);
  std::vector<std::string> questions;
  std::optional<bool> answer = false;
  nh::set_prompter([&](const std::string& q) {
    questions.push_back(q);
    return answer;
  });
  auto again = f.with({.recompute = true});

  value = 2;
  EXPECT_EQ(again(), 2);  // the fresh value is returned ...
  EXPECT_EQ(f(), 1);      // ... but "no" kept the stored one
  ASSERT_EQ(questions.size(), 1u);
  EXPECT_NE(questions[0].find("'answered'"), std::string::npos) << questions[0];
  EXPECT_NE(questions[0].find("Overwrite"), std::string::npos) << questions[0];

  answer = std::nullopt;  // nobody can answer: kept
  value = 3;
  EXPECT_EQ(again(), 3);
  EXPECT_EQ(f(), 1);

  answer = true;
  value = 4;
  EXPECT_EQ(again(), 4);
  nh::clear_memoizer();
  EXPECT_EQ(f(), 4);
  EXPECT_EQ(questions.size(), 3u);
}

TEST_F(PromptTest, ForceOverwriteDecidesWithoutAsking) {
  int value = 1;
  auto f = nh::cache("forced", {}, {}, [&] { return value; });
  f();
  int asked = 0;
  nh::set_prompter([&](const std::string&) {
    ++asked;
    return std::optional<bool>(false);
  });
  value = 2;
  f.with({.recompute = true, .force_overwrite = true})();
  EXPECT_EQ(f(), 2);
  EXPECT_EQ(asked, 0);
}

TEST_F(PromptTest, SetPrompterReturnsThePreviousOne) {
  EXPECT_FALSE(nh::set_prompter([](const std::string&) { return std::optional<bool>(true); }));
  nh::Prompter previous = nh::set_prompter({});
  ASSERT_TRUE(previous);
  EXPECT_EQ(previous("?"), true);
  EXPECT_EQ(nh::ask_user("anyone?"), std::nullopt);  // the test's stdin is no terminal
}

TEST(IsYes, AcceptsTheUsualYes) {
  for (const char* yes : {"y", "Y", "yes", "YES", " y\n", "Yes "}) EXPECT_TRUE(nh::is_yes(yes)) << yes;
  for (const char* no : {"", "n", "no", "yess", "ok", "1", " "}) EXPECT_FALSE(nh::is_yes(no)) << no;
}

}  // namespace
