#pragma once
// The sandbox's own first process ("launcher", role sandbox). It is started from a possibly
// multithreaded forklab, so between its creation and the program's exec it makes only
// async-signal-safe calls on data prepared beforehand: no malloc, no locks, no stdio.
//
//   tracer thread ──clone(NEWUSER|NEWPID|NEWIPC|NEWNS[|NEWNET])──▶ launcher (pid 1 inside)
//        mounts (SandboxMounts), drops to the program's ids, then unshare(NEWUSER|NEWNS):
//        the program's user namespace is below the one that made the mounts, so the kernel
//        locks them (it cannot unmount /dev/shm to reach the host's)
//                                                          └─fork─▶ program (pid 2): rlimits,
//                                                                   stdio, seccomp, execve
// Without namespaces the launcher is a plain child that is the subreaper of the program's tree.
#include "Sandbox.hpp"

#include <linux/filter.h>
#include <string>
#include <sys/resource.h>
#include <sys/types.h>
#include <vector>

namespace forklab {

// What the launcher reports on the report pipe: the step that failed and its errno. The
// program reports a failed execve as stage kStageExec.
enum LaunchStage : int {
    kStageExec = 0,
    kStagePrivateMounts,
    kStageReadOnlyRoot,
    kStagePrivateTmp,
    kStagePrivateShm,
    kStageLoopback,
    kStageDropIds,
    kStageProcessLimit,
    kStageLockMounts,
    kStageSeccomp,
    kStageFork,
};
const char* launchStageText(int stage); // "make the host filesystem read-only", …

struct LaunchReport {
    int stage;
    int error; // errno
};

struct LaunchPlan {
    // Prepared by the tracer before the launcher exists; read-only afterwards.
    std::string path;              // resolved program path
    std::vector<std::string> argv; // argv[0..]
    std::vector<char*> argvPtrs;   // NULL-terminated views of argv
    char* const* envp = nullptr;
    std::vector<sock_filter> filter;
    bool inheritStdio = false;
    // Else the program's fds 0 and 1 become stdioFd, fd 2 stderrFd (/dev/null, the tracer's).
    int stdioFd = -1;
    int stderrFd = -1;
    bool namespaces = false; // the launcher was created in new namespaces
    bool isolate = false;    // read-only host fs, private /tmp, loopback only, no_new_privs
    // forklab runs as root for someone else (sudo): the launcher becomes uid:gid before the
    // program exists, so the program has exactly that user's rights.
    bool dropIds = false;
    uid_t uid = 0;
    gid_t gid = 0;
    // The program's own user namespace maps just its ids (written by the launcher itself).
    std::string innerUidMap, innerGidMap;
    rlim_t maxTasks = 0; // RLIMIT_NPROC, counted in the program's own user namespace (0: none)
    std::vector<RlimitSetting> rlimits;
    int goFd = -1;     // read end: one byte once the tracer has seized us, EOF if it died
    int reportFd = -1; // write end, CLOEXEC: a LaunchReport if a step (or execve) fails

    void finalize(); // fills argvPtrs
};

// Entry point of the launcher (the clone child). Never returns.
[[noreturn]] int launcherMain(void* plan);

} // namespace forklab
