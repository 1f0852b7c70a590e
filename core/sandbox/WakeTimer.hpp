#pragma once
// Wakes the tracer thread out of a blocking waitpid(): a thread-directed periodic timer signal and
// an explicit poke share one no-op handler installed without SA_RESTART, so waitpid returns EINTR.
// (SIGCHLD cannot do this: it is process-directed, and several sandboxes may run at once.)
#include <ctime>
#include <sys/types.h>

namespace forklab {

class WakeTimer {
  public:
    explicit WakeTimer(long periodMs); // arms a timer aimed at the calling thread
    WakeTimer(const WakeTimer&) = delete;
    ~WakeTimer();

    pid_t tid() const { return tid_; }
    // False if the kernel refused the timer: then callers must not block without a timeout.
    bool armed() const { return armed_; }
    // Any thread: interrupt the owner's current blocking call now.
    static void poke(pid_t tid);

  private:
    pid_t tid_;
    timer_t timer_{};
    bool armed_ = false;
};

} // namespace forklab
