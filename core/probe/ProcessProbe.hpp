#pragma once
// One consistent snapshot of a (stopped) process: status, fds, threads, /dev/shm mappings.
#include "Snapshot.hpp"

namespace forklab {

enum class SnapshotDepth : uint8_t {
    Stop, // what fork/exec/exit need, at about half the cost: fds, thread ids
    Full, // plus each thread's state, wchan and syscall, file inodes, /dev/shm mappings
};

// Never throws; a process that vanishes mid-read yields partial = true.
// knownNspid: the pid in its own namespace when the caller already read it (it never changes):
// a Stop snapshot then reads State and PPid from the cheaper stat instead of status. The
// snapshot is the same either way.
ProcessSnapshot snapshotProcess(pid_t pid, SnapshotDepth depth = SnapshotDepth::Full,
                                pid_t knownNspid = 0);

} // namespace forklab
