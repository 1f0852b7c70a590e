#pragma once
// A waitpid() status word, decoded. Under PTRACE_SEIZE the high bits carry the ptrace event
// (status >> 16) and syscall stops carry SIGTRAP | 0x80 (PTRACE_O_TRACESYSGOOD).
#include <csignal>
#include <string>
#include <sys/ptrace.h>
#include <sys/wait.h>

namespace forklab {

class WaitStatus {
  public:
    WaitStatus() = default;
    explicit WaitStatus(int raw) : raw_(raw) {}

    int raw() const { return raw_; }
    bool exited() const { return WIFEXITED(raw_); }
    int exitCode() const { return WEXITSTATUS(raw_); }
    bool signaled() const { return WIFSIGNALED(raw_); }
    int termSignal() const { return WTERMSIG(raw_); }
    bool coreDumped() const { return WIFSIGNALED(raw_) && WCOREDUMP(raw_); }
    bool stopped() const { return WIFSTOPPED(raw_); }
    int stopSignal() const { return WSTOPSIG(raw_); }
    // PTRACE_EVENT_* or 0.
    int ptraceEvent() const { return stopped() ? (raw_ >> 16) & 0xff : 0; }
    bool syscallStop() const { return stopped() && stopSignal() == (SIGTRAP | 0x80); }
    // A signal-delivery stop: the tracee is about to receive stopSignal(); we must re-inject it.
    bool signalDeliveryStop() const { return stopped() && ptraceEvent() == 0 && !syscallStop(); }
    // The tracee is gone for good (this report reaps it).
    bool dead() const { return exited() || signaled(); }
    // The shell's convention: the exit code, or 128 + the signal that killed it.
    int shellCode() const { return exited() ? exitCode() : signaled() ? 128 + termSignal() : -1; }

    std::string describe() const;

    friend bool operator==(WaitStatus a, WaitStatus b) { return a.raw_ == b.raw_; }

    static WaitStatus forExit(int code) { return WaitStatus((code & 0xff) << 8); }
    static WaitStatus forSignal(int sig) { return WaitStatus(sig & 0x7f); }

  private:
    int raw_ = 0;
};

std::string signalName(int sig); // "SIGKILL", or "signal 42"

} // namespace forklab
