#pragma once
// The two deadlock verdicts of DESIGN §3, each proven from outside and kept with its evidence.
//  (a) orphaned mutex: a thread waits on a *private* futex whose bytes decode as a locked glibc
//      mutex whose owner TID is not a thread of this process (the owner was left behind at fork);
//  (b) nobody left to wake it: the process's only thread waits without a timeout on a private
//      futex.
#include "MutexProbe.hpp"
#include "Snapshot.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace forklab {

enum class DeadlockRule : uint8_t { OrphanedMutex, NobodyToWake };
const char* toString(DeadlockRule); // "a" / "b"

struct DeadlockVerdict {
    pid_t pid = 0;
    pid_t tid = 0;
    uint64_t addr = 0;
    DeadlockRule rule = DeadlockRule::NobodyToWake;
    pid_t ownerTid = 0;   // rule a: owner TID as the tracer sees it (0 if it exists nowhere)
    pid_t ownerNsTid = 0; // rule a: owner TID as stored in the mutex (locker's namespace)
    std::optional<MutexState> mutex;
    std::string evidence; // one readable line: the syscall, the bytes, the thread list
};

// Reads memory of snap.pid (must be stopped) when a waiting futex needs decoding.
// toHostTid maps a TID of the process's pid namespace to the tracer's view (0 if unknown).
std::vector<DeadlockVerdict> findDeadlocks(const ProcessSnapshot& snap,
                                           const std::function<pid_t(pid_t)>& toHostTid);

} // namespace forklab
