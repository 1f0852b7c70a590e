#pragma once
// Decodes a glibc 2.36 x86_64 pthread_mutex_t (40 bytes) read from another process with
// process_vm_readv: __lock at 0, __count at 4, __owner at 8, __nusers at 12, __kind at 16.
// Robust and PI mutexes keep the owner TID in __lock (& 0x3fffffff).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>

namespace forklab {

struct MutexState {
    int32_t lock = 0;
    uint32_t count = 0;
    int32_t owner = 0; // __owner field (TID in the locker's pid namespace)
    uint32_t nusers = 0;
    int32_t kind = 0;

    bool robust() const { return (kind & 16) != 0; }
    bool priorityInherit() const { return (kind & 32) != 0; }
    bool locked() const;
    // The owner TID as glibc records it for this kind of mutex (0 when free/unknown).
    pid_t ownerTid() const;
    std::string describe() const; // "__lock=2 __owner=7333 __kind=0 (normal, locked, waiters)"
};

MutexState decodeMutex(const std::array<uint8_t, 40>& bytes);
std::optional<MutexState> readMutex(pid_t pid, uint64_t addr); // process_vm_readv

} // namespace forklab
