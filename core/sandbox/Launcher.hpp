#pragma once
// The sandbox's own first process ("launcher", role sandbox). It is started from a possibly
// multithreaded forklab, so between its creation and the program's exec it makes only
// async-signal-safe calls on data prepared beforehand: no malloc, no locks, no stdio.
//
//   tracer thread ──clone(NEWUSER|NEWPID|NEWIPC|NEWNS)──▶ launcher (pid 1 inside, reaper)
//                                                          └─fork─▶ program (pid 2): rlimits,
//                                                                   stdio, seccomp, execve
// Without namespaces the launcher is a plain child that is the subreaper of the program's tree.
#include <linux/filter.h>
#include <string>
#include <sys/resource.h>
#include <sys/types.h>
#include <vector>

namespace forklab {

struct LaunchPlan {
    // Prepared by the tracer before the launcher exists; read-only afterwards.
    std::string path;              // resolved program path
    std::vector<std::string> argv; // argv[0..]
    std::vector<char*> argvPtrs;   // NULL-terminated views of argv
    char* const* envp = nullptr;
    std::vector<sock_filter> filter;
    bool inheritStdio = false;
    bool namespaces = false; // the launcher was created in new namespaces
    rlim_t maxFiles = 1024;
    rlim_t addressSpace = 0; // 0: unlimited (sanitizer builds need terabytes of shadow)
    rlim_t cpuSeconds = 0;
    int goFd = -1;     // read end: one byte once the tracer has seized us, EOF if it died
    int reportFd = -1; // write end, CLOEXEC: the program writes errno here if execve fails

    void finalize(); // fills argvPtrs
};

// Entry point of the launcher (the clone child). Never returns.
[[noreturn]] int launcherMain(void* plan);

} // namespace forklab
