#include "MutexProbe.hpp"

#include <cstdio>
#include <sys/uio.h>

namespace forklab {

namespace {

constexpr int32_t kTidMask = 0x3fffffff;     // robust/PI __lock: owner TID
constexpr uint32_t kWaiters = 0x80000000u;   // FUTEX_WAITERS
constexpr uint32_t kOwnerDied = 0x40000000u; // FUTEX_OWNER_DIED

uint32_t le32(const std::array<uint8_t, 40>& b, size_t at) {
    return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 |
           uint32_t(b[at + 3]) << 24;
}

} // namespace

bool MutexState::locked() const {
    if (robust() || priorityInherit()) return (lock & kTidMask) != 0;
    return lock != 0;
}

pid_t MutexState::ownerTid() const {
    if (robust() || priorityInherit()) return lock & kTidMask;
    return owner;
}

std::string MutexState::describe() const {
    static const char* const kTypes[] = {"normal", "recursive", "errorcheck", "adaptive"};
    bool tidInLock = robust() || priorityInherit();
    char buf[160];
    // Robust/PI __lock carries flag bits above the TID: hex shows them.
    std::snprintf(buf, sizeof buf,
                  tidInLock ? "__lock=0x%x __owner=%d __kind=%d (%s"
                            : "__lock=%d __owner=%d __kind=%d (%s",
                  lock, owner, kind, kTypes[kind & 3]);
    std::string out = buf;
    if (robust()) out += ", robust";
    if (priorityInherit()) out += ", PI";
    if (kind & 128) out += ", pshared";
    out += locked() ? ", locked" : ", free";
    if (tidInLock) {
        if (uint32_t(lock) & kWaiters) out += ", waiters";
        if (uint32_t(lock) & kOwnerDied) out += ", owner died";
    } else if (lock > 1) {
        out += ", waiters"; // glibc's lll lock: 2 = locked with (possible) waiters
    }
    return out + ")";
}

MutexState decodeMutex(const std::array<uint8_t, 40>& bytes) {
    MutexState m;
    m.lock = int32_t(le32(bytes, 0));
    m.count = le32(bytes, 4);
    m.owner = int32_t(le32(bytes, 8));
    m.nusers = le32(bytes, 12);
    m.kind = int32_t(le32(bytes, 16));
    return m;
}

std::optional<MutexState> readMutex(pid_t pid, uint64_t addr) {
    if (pid <= 0 || addr == 0) return std::nullopt;
    std::array<uint8_t, 40> bytes{};
    iovec local{bytes.data(), bytes.size()};
    iovec remote{reinterpret_cast<void*>(addr), bytes.size()};
    ssize_t n = ::process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n != ssize_t(bytes.size())) return std::nullopt; // partial reads cross an unmapped page
    return decodeMutex(bytes);
}

} // namespace forklab
