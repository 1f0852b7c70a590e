#include "Snapshot.hpp"

#include <algorithm>

namespace forklab {

const char* toString(FdKind k) {
    switch (k) {
    case FdKind::File:
        return "file";
    case FdKind::Pipe:
        return "pipe";
    case FdKind::Socket:
        return "socket";
    case FdKind::Anon:
        return "anon";
    case FdKind::Other:
        return "other";
    }
    return "?";
}

const char* toString(AccessMode m) {
    switch (m) {
    case AccessMode::Read:
        return "r";
    case AccessMode::Write:
        return "w";
    case AccessMode::ReadWrite:
        return "rw";
    }
    return "?";
}

bool SyscallState::inFutexWait() const {
    constexpr long kSysFutex = 202; // x86_64
    if (running || nr != kSysFutex) return false;
    // 0x7f drops FUTEX_PRIVATE_FLAG (0x80) and FUTEX_CLOCK_REALTIME (0x100).
    uint64_t cmd = args[1] & 0x7f;
    return cmd == 0 /* FUTEX_WAIT */ || cmd == 9 /* FUTEX_WAIT_BITSET */;
}

const FdEntry* ProcessSnapshot::findFd(int fd) const {
    auto it = std::find_if(fds.begin(), fds.end(), [fd](const FdEntry& e) { return e.fd == fd; });
    return it == fds.end() ? nullptr : &*it;
}

} // namespace forklab
