#pragma once
// Which processes have their writes to a CPython data pipe caught, and what is kept of them.
// CPython's spawn and forkserver pickle the child's preparation data and Process object into a
// pipe (the data pipe) that the seccomp filter cannot know in advance, so no filter rule traps
// it. Instead a CPython process that forks a child that may become spawn's (a vfork; on 3.8 and
// 3.9 any fork) is switched to syscall stops (PTRACE_SYSCALL) until that child has exec'd (or
// died): a spawn child's command line names the data pipe
// (pipe_handle=M); a forkserver's tells that the fds this process sends it (SCM_RIGHTS) begin
// with a data pipe's read end. On 3.8 and 3.9 the parent does not wait for the exec (fork, not
// vfork) and may write first: what it wrote into a pipe meanwhile is kept aside, and becomes an
// event only if the exec shows that pipe was the data pipe. A forkserver's client stays watched
// for its next starts, within a budget of syscalls. Other programs are never switched. Pure
// state: the tracer does the ptrace calls (DataPipeCapture.cpp).
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

namespace forklab {

class DataPipeWatch {
  public:
    // Syscall entries a watched process may make before it is let go.
    static constexpr int kStopBudget = 20000;
    // Bytes of pipe data the trace holds per run (and a process may keep aside); the length of
    // every write is always recorded.
    static constexpr size_t kKeepCap = 256 * 1024;

    struct Write { // a write to a pipe, between its entry and exit stops
        int fd = -1;
        std::string target; // "pipe:[123]"
        uint64_t buf = 0;   // write: the buffer; writev: the iovec array
        int iovcnt = -1;    // -1: write
    };
    struct Written {
        int fd = -1;
        std::string target;
        std::string bytes; // kept
        uint64_t length = 0;
    };
    enum class Exec { Other, SpawnChild, Forkserver };

    // A CPython process forked `child`: watched until the child execs or dies.
    void forked(pid_t parent, pid_t child);
    bool expects(pid_t parent, pid_t child) const;
    // The child exec'd (its launch form; `dataPipe`: a spawn child's pipe_handle target) or died
    // (Other). Returns the writes kept aside that were into the data pipe: events now.
    std::vector<Written> decided(pid_t parent, pid_t child, Exec what, const std::string& dataPipe);

    bool watching(pid_t pid) const { return !procs_.empty() && procs_.count(pid) != 0; }
    // A write into `target` at a syscall entry: worth reading at its exit?
    bool wanted(pid_t pid, const std::string& target) const;
    bool isDataPipe(pid_t pid, const std::string& target) const;
    // The first fd a watched process sends with SCM_RIGHTS is a pipe.
    void sentFd(pid_t pid, const std::string& target);
    bool caresAboutSendmsg(pid_t pid) const;
    // A syscall entry that is no write into a wanted pipe: pipes written are done. False once
    // nothing is left to watch or the budget is spent (the process is let go).
    bool entry(pid_t pid);
    void forget(pid_t pid) { procs_.erase(pid); }

    void begin(pid_t tid, Write w) { writes_[tid] = std::move(w); }
    bool pending(pid_t tid) const { return !writes_.empty() && writes_.count(tid) != 0; }
    Write take(pid_t tid);
    size_t room() const { return kKeepCap - kept_; }
    // A write's exit: true if it is an event now (`w` cut to what the run may keep); else it
    // was moved aside (or dropped).
    bool wrote(pid_t pid, Written& w);

  private:
    struct Proc {
        std::set<std::string> pipes;   // data pipes not written yet
        std::set<std::string> written; // written; done at the next other syscall
        bool sendfds = false;          // a forkserver's client
        int budget = kStopBudget;
        std::set<pid_t> unexeced;     // its forked children that have not exec'd yet
        std::set<std::string> passed; // first SCM_RIGHTS fds while undecided
        std::vector<Written> aside;   // writes into pipes while undecided
        size_t asideBytes = 0;
    };
    std::map<pid_t, Proc> procs_;
    std::map<pid_t, Write> writes_;
    size_t kept_ = 0;
};

} // namespace forklab
