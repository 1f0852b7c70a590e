#include "Deadlock.hpp"
#include "core/base/Text.hpp"

#include "MutexProbe.hpp"

#include <algorithm>
#include <cstdio>

namespace forklab {

namespace {

// "futex(0x561d0a522200, FUTEX_WAIT_PRIVATE, 2, NULL)"
std::string describeFutexCall(const SyscallState& s) {
    std::string op = (s.args[1] & 0x7f) == 9 ? "FUTEX_WAIT_BITSET" : "FUTEX_WAIT";
    if (s.args[1] & 0x80) op += "_PRIVATE";
    if (s.args[1] & 0x100) op += "|FUTEX_CLOCK_REALTIME";
    return "futex(" + hex(s.args[0]) + ", " + op + ", " + std::to_string(uint32_t(s.args[2])) +
           ", " + (s.args[3] ? hex(s.args[3]) : std::string("NULL")) + ")";
}

// "threads of 7334: [7334]", with the in-namespace tid where it differs.
std::string describeThreads(const ProcessSnapshot& snap) {
    std::string out = "threads of " + std::to_string(snap.pid) + ": [";
    for (size_t i = 0; i < snap.threads.size(); ++i) {
        const ThreadState& t = snap.threads[i];
        if (i) out += ' ';
        out += std::to_string(t.tid);
        if (t.nstid != t.tid) out += "(ns " + std::to_string(t.nstid) + ")";
    }
    return out + "]";
}

} // namespace

const char* toString(DeadlockRule r) {
    switch (r) {
    case DeadlockRule::OrphanedMutex:
        return "a";
    case DeadlockRule::NobodyToWake:
        return "b";
    }
    return "?";
}

std::vector<DeadlockVerdict> findDeadlocks(const ProcessSnapshot& snap,
                                           const std::function<pid_t(pid_t)>& toHostTid) {
    std::vector<DeadlockVerdict> out;
    // A verdict is a proof: a snapshot with a missing thread could name a live owner as absent
    // or a lone thread that is not alone.
    if (snap.partial) return out;
    for (const ThreadState& t : snap.threads) {
        const SyscallState& sc = t.syscall;
        // Shared futexes (process-shared and robust mutexes, named semaphores) can be woken from
        // another process: excluded by design.
        if (!sc.inFutexWait() || !sc.futexPrivate()) continue;
        DeadlockVerdict v;
        v.pid = snap.pid;
        v.tid = t.tid;
        v.addr = sc.args[0];
        // Else through the waiting thread: a leader that called pthread_exit() has no memory.
        v.mutex = readMutex(snap.pid, v.addr);
        if (!v.mutex && t.tid != snap.pid) v.mutex = readMutex(t.tid, v.addr);
        std::string head = "tid " + std::to_string(t.tid) + " " + describeFutexCall(sc);

        if (v.mutex && v.mutex->locked() && v.mutex->ownerTid() != 0) {
            pid_t owner = v.mutex->ownerTid();
            bool ownerHere =
                std::any_of(snap.threads.begin(), snap.threads.end(),
                            [owner](const ThreadState& o) { return o.nstid == owner; });
            if (!ownerHere) {
                v.rule = DeadlockRule::OrphanedMutex;
                v.ownerNsTid = owner;
                v.ownerTid = toHostTid ? toHostTid(owner) : 0;
                v.evidence = head + "; " + v.mutex->describe() + "; owner tid " +
                             std::to_string(owner) +
                             (v.ownerTid ? " (host " + std::to_string(v.ownerTid) + ")"
                                         : std::string(" (exists nowhere)")) +
                             " is not a thread of this process; " + describeThreads(snap);
                out.push_back(std::move(v));
                continue;
            }
        }
        // Rule b: no other thread exists (a zombie leader, gone by pthread_exit(), wakes no
        // one), and no timeout will end the wait (arg 3 is the timeout pointer for both
        // FUTEX_WAIT and FUTEX_WAIT_BITSET).
        size_t others =
            std::count_if(snap.threads.begin(), snap.threads.end(),
                          [&](const ThreadState& o) { return o.tid != t.tid && o.state != 'Z'; });
        if (others == 0 && sc.args[3] == 0) {
            v.rule = DeadlockRule::NobodyToWake;
            v.evidence = head + "; " +
                         (v.mutex ? "futex word=" + std::to_string(uint32_t(v.mutex->lock))
                                  : std::string("memory unreadable")) +
                         "; only thread, no timeout; " + describeThreads(snap);
            out.push_back(std::move(v));
        }
    }
    return out;
}

} // namespace forklab
