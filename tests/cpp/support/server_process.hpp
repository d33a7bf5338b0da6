#pragma once
// A test server as a child process on 127.0.0.1: started in its own process group with its
// output in a log file, on a free port, and killed (the whole group) when the owner is
// destroyed or the test program dies. Shared by the S3 servers (s3_server.hpp) and the
// GCS / Azure emulators (gcs_azure_servers.hpp). Fault tests crash() a server in the
// middle of a request and restart() it on the same port with the same data.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/loopback_http.hpp"

namespace nuthatch::testing {

class ServerProcess {
 public:
  using Env = std::vector<std::pair<std::string, std::string>>;
  /// The command line for a port.
  using ArgsFor = std::function<std::vector<std::string>(int port)>;
  /// Asks the port once: nullopt while nothing answers, true when this server answers,
  /// false when another program's server does.
  using Probe = std::function<std::optional<bool>(int port)>;

  /// `name` is for messages; a fresh temporary directory holds the log and any data.
  explicit ServerProcess(std::string name) : name_(std::move(name)) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nuthatch-server-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess() { stop(); }

  const std::string& dir() const { return dir_; }
  int port() const { return port_; }

  /// Starts the server on a free port and waits until `probe` says it answers. A free
  /// port can be taken by another test program's server before this one binds it (ctest
  /// runs programs in parallel): then this one exits, or the other answers; it starts
  /// again on another port, up to `attempts` times. Throws std::runtime_error with the
  /// log's tail when it does not start.
  void start(const ArgsFor& args_for, const Env& env, const Probe& probe,
             std::chrono::seconds timeout, int attempts) {
    for (int attempt = 1;; ++attempt) {
      port_ = free_loopback_port();
      args_ = args_for(port_);
      launch(args_, env);
      if (wait_until_ours(probe, timeout)) {
        env_ = env;
        probe_ = probe;
        return;
      }
      kill_process();
      if (attempt == attempts) {
        fail(exited_ ? "exited while starting, " + std::to_string(attempt) + " times"
                     : "found its port taken by another server " + std::to_string(attempt) + " times");
      }
    }
  }

  /// Stops the server and throws std::runtime_error naming it, the port, `why` and the
  /// tail of its log.
  [[noreturn]] void fail(const std::string& why) {
    const std::string tail = log_tail();
    stop();
    throw std::runtime_error(name_ + " test server on port " + std::to_string(port_) + " " +
                             why + "; its log:\n" + tail);
  }

  /// Kills the server's process group at once (SIGKILL, as a crash or a lost machine
  /// would), keeping its directory (data, log) and its port for restart().
  void crash() { kill_process(SIGKILL); }

  /// Starts the server again after crash(): the same command line, so the same port and
  /// data directory; waits until it answers. Throws std::runtime_error (with the log's
  /// tail) when it does not, e.g. because another program took the port meanwhile.
  void restart(std::chrono::seconds timeout) {
    if (args_.empty()) throw std::runtime_error(name_ + " test server was never started");
    kill_process(SIGKILL);
    launch(args_, env_);
    if (!wait_until_ours(probe_, timeout)) fail("did not restart on its port");
  }

  /// Kills the server's process group and removes its directory.
  void stop() {
    kill_process();
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
      dir_.clear();
    }
  }

 private:
  void launch(std::vector<std::string> args, const Env& env) {
    const std::string log = dir_ + "/server.log";
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::setpgid(0, 0);                     // its own process group: kill_process() kills it all
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // and it dies with the test program
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
      ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);
  }

  /// Whether this server answers (false: it exited, or another server answers).
  bool wait_until_ours(const Probe& probe, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      exited_ = ::waitpid(pid_, nullptr, WNOHANG) == pid_;
      if (exited_) {
        pid_ = -1;
        return false;  // most likely the port was taken (the log says)
      }
      if (std::optional<bool> ours = probe(port_)) return *ours;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    fail("did not answer within " + std::to_string(timeout.count()) + " s");
  }

  void kill_process(int signal = SIGTERM) {
    if (pid_ <= 0) return;
    ::kill(-pid_, signal);
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::string log_tail() const {
    std::ifstream in(dir_ + "/server.log");
    std::stringstream all;
    all << in.rdbuf();
    std::string text = all.str();
    return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
  }

  std::string name_;
  std::string dir_;
  std::vector<std::string> args_;  ///< the command line that started it (restart())
  Env env_;
  Probe probe_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool exited_ = false;  ///< the last attempt's process exited before answering
};

}  // namespace nuthatch::testing
