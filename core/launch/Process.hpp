#pragma once
// A child started with one of the three methods, like multiprocessing.Process: start(), a
// sentinel fd that becomes readable when the child is gone, join() with a timeout, kill().
#include "Runtime.hpp"
#include "StartMethod.hpp"

#include <optional>
#include <poll.h>
#include <string>
#include <sys/types.h>
#include <vector>

namespace forklab::launch {

// poll() whose timeout counts running time only: time the process spends stopped (held at a
// forklab step gate while a class discusses it) does not use it up. timeoutMs -1: no timeout.
int pollRunning(pollfd* fds, nfds_t n, int timeoutMs);

class Process {
  public:
    Process(StartMethod method, std::string target, Args args = {});
    Process(const Process&) = delete;
    ~Process(); // closes the parent's plumbing; does not kill

    // An fd of ours the child should have: fork inherits it anyway, spawn keeps its number,
    // forkserver sends it with SCM_RIGHTS (it arrives under a new number).
    void passFd(int fd) { extraFds_.push_back(fd); }
    bool start();
    pid_t pid() const { return pid_; }
    int sentinel() const { return sentinel_; }
    // The child's exit code (negative: killed by that signal); nullopt if still running after
    // timeoutMs (-1: wait forever).
    std::optional<int> join(int timeoutMs = -1);
    void kill(int sig);

  private:
    StartMethod method_;
    std::string target_;
    Args args_;
    std::vector<int> extraFds_;
    pid_t pid_ = -1;
    int sentinel_ = -1;
    std::optional<int> exitCode_;
};

} // namespace forklab::launch
