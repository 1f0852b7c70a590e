#pragma once
// One consistent snapshot of a (stopped) process: status, fds, threads, /dev/shm mappings.
#include "ProcDir.hpp"
#include "Snapshot.hpp"

namespace forklab {

enum class SnapshotDepth : uint8_t {
    Stop, // what fork/exec/exit need, at about half the cost: fds, thread ids
    Full, // plus each thread's state, wchan and syscall, file inodes, /dev/shm mappings
};

// Never throws; a process that vanishes mid-read yields partial = true.
ProcessSnapshot snapshotProcess(pid_t pid, SnapshotDepth depth = SnapshotDepth::Full);
// The same through a /proc/PID handle the caller holds (ProcDir::open(pid)): the same reads, less
// the open and close of the directory. A stop snapshot given the pid inside the process's own
// namespace (nspid > 0, which only status shows) reads the cheaper stat instead of status.
ProcessSnapshot snapshotProcess(const ProcDir& dir, SnapshotDepth depth, pid_t nspid = 0);

} // namespace forklab
