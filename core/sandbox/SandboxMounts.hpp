#pragma once
// The filesystem view the launcher gives the program, made in the launcher's own mount
// namespace before the program exists (async-signal-safe: called between clone and exec).
//
//   always   /dev/shm  a private tmpfs (IPC namespaces do not isolate named semaphores)
//            /proc     this pid namespace's, with /proc/sys and /proc/sysrq-trigger read-only
//            /sys/fs/cgroup read-only: the program cannot raise or leave its pids limit
//   isolate  /         every host mount read-only and nosuid
//            /tmp      a private tmpfs
//            lo        up, the only interface of the new network namespace
#include "Launcher.hpp"

namespace forklab {

// Returns kStageExec (0) when all is in place, else the step that failed (errno set).
int makeSandboxMounts(const LaunchPlan& plan);

// Brings the loopback interface of the current network namespace up.
bool loopbackUp();

// Moves the caller into a user and mount namespace of its own, mapping only its own ids: the
// mounts above become locked for it and everything it starts. Returns false (errno set) if not.
bool lockMountsBelow(const LaunchPlan& plan);

} // namespace forklab
