#pragma once
// One consistent snapshot of a (stopped) process: status, fds, threads, /dev/shm mappings.
#include "Snapshot.hpp"

namespace forklab {

// Never throws; a process that vanishes mid-read yields partial = true.
ProcessSnapshot snapshotProcess(pid_t pid);

} // namespace forklab
