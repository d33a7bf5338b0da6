// The overwrite rule on an interactive terminal: the engine asks, and the answer decides.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "support/temp_project.hpp"

namespace {

/// Runs the prompt tool on a pseudo-terminal, answers `answer` when asked, returns all
/// it printed.
std::string run_on_terminal(const std::string& root, const std::string& answer) {
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    std::string tool = std::string(NUTHATCH_TEST_TOOLS_DIR) + "/nh_overwrite_prompt";
    execl(tool.c_str(), tool.c_str(), root.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string out;
  char buf[512];
  bool answered = false;
  while (true) {
    ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (!answered && out.find("[y/N]") != std::string::npos) {
      std::string line = answer + "\n";
      (void)!write(master, line.data(), line.size());
      answered = true;
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(master);
  return out;
}

TEST(OverwritePromptTest, AsksOnATerminalAndFollowsTheAnswer) {
  nuthatch::testing::TempProject project;
  std::string yes = run_on_terminal((project.dir() / "yes").string(), "y");
  EXPECT_THAT(yes, ::testing::HasSubstr("Overwrite it? [y/N]"));
  EXPECT_THAT(yes, ::testing::HasSubstr("stored=2"));
  std::string no = run_on_terminal((project.dir() / "no").string(), "n");
  EXPECT_THAT(no, ::testing::HasSubstr("stored=1"));
}

}  // namespace
