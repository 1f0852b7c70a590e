#include "WakeTimer.hpp"

#include <csignal>
#include <sys/syscall.h>
#include <unistd.h>

namespace forklab {
namespace {

// A standard signal, not a real-time one: pending instances coalesce into one, so a burst of
// pokes cannot pile up a queue (real-time signals queue every instance, up to the user's
// RLIMIT_SIGPENDING, which then starves every other timer of that user).
int wakeSignal() {
    return SIGURG;
}

// At every timer's start, not once per process: SIGURG's default action is to ignore it, so a
// handler reset by anything else in the process (a test's signal storm did) would leave every
// later recorder's waitpid uninterrupted.
void installHandler() {
    struct sigaction sa {};
    sa.sa_handler = [](int) {};
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: the point is to interrupt waitpid
    sigaction(wakeSignal(), &sa, nullptr);
}

} // namespace

WakeTimer::WakeTimer(long periodMs) : tid_(gettid()) {
    installHandler();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, wakeSignal());
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    sigevent sev{};
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = wakeSignal();
    sev._sigev_un._tid = tid_;
    if (timer_create(CLOCK_MONOTONIC, &sev, &timer_) == 0) {
        itimerspec its{};
        its.it_interval.tv_sec = periodMs / 1000;
        its.it_interval.tv_nsec = (periodMs % 1000) * 1'000'000;
        its.it_value = its.it_interval;
        armed_ = timer_settime(timer_, 0, &its, nullptr) == 0;
    }
}

WakeTimer::~WakeTimer() {
    if (armed_) timer_delete(timer_);
}

void WakeTimer::poke(pid_t tid) {
    if (tid > 0) syscall(SYS_tgkill, getpid(), tid, wakeSignal());
}

} // namespace forklab
