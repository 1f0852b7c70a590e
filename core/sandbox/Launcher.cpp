#include "Launcher.hpp"

#include "SandboxMounts.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <grp.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace forklab {

void LaunchPlan::finalize() {
    argvPtrs.clear();
    for (auto& a : argv) argvPtrs.push_back(a.data());
    argvPtrs.push_back(nullptr);
}

const char* launchStageText(int stage) {
    switch (stage) {
    case kStageExec:
        return "start the program";
    case kStagePrivateMounts:
        return "make its mounts private";
    case kStageReadOnlyRoot:
        return "make the host's filesystem read-only";
    case kStagePrivateTmp:
        return "mount a private /tmp";
    case kStagePrivateShm:
        return "mount a private /dev/shm";
    case kStageLoopback:
        return "bring up the loopback interface";
    case kStageDropIds:
        return "switch to the invoking user's ids";
    case kStageProcessLimit:
        return "set the process limit";
    case kStageLockMounts:
        return "lock its mounts in a user namespace of the program's own";
    case kStageSeccomp:
        return "install its seccomp filter";
    case kStageFork:
        return "fork the program";
    }
    return "start";
}

namespace {

[[noreturn]] void fail(const LaunchPlan& p, int stage, int exitCode) {
    LaunchReport r{stage, errno};
    (void)!write(p.reportFd, &r, sizeof r);
    _exit(exitCode);
}

// Closes every fd above stdio but the ones we use (-1: none): the clone copied all of forklab's,
// including other sandboxes' go pipes, whose write ends must not be kept open by us.
void closeAllBut(int a, int b, int c, int d) {
    int keep[4] = {a, b, c, d};
    for (int i = 0; i < 4; ++i) // four elements: sort by hand, no library call
        for (int j = i + 1; j < 4; ++j)
            if (keep[j] < keep[i]) {
                int t = keep[i];
                keep[i] = keep[j];
                keep[j] = t;
            }
    unsigned from = 3;
    for (int fd : keep) {
        if (fd < int(from)) continue;
        if (fd > int(from)) close_range(from, unsigned(fd) - 1, 0);
        from = unsigned(fd) + 1;
    }
    close_range(from, ~0U, 0);
}

// The program's side, between fork and exec: async-signal-safe only.
[[noreturn]] void execProgram(const LaunchPlan& p) {
    if (!p.inheritStdio && p.stdioFd >= 0 && p.stderrFd >= 0) {
        dup2(p.stdioFd, 0);
        dup2(p.stdioFd, 1);
        dup2(p.stderrFd, 2);
        if (p.stdioFd > 2) close(p.stdioFd);
        if (p.stderrFd > 2) close(p.stderrFd);
    }
    for (const RlimitSetting& r : p.rlimits) setrlimit(__rlimit_resource_t(r.resource), &r.value);
    signal(SIGPIPE, SIG_DFL);
    if (p.isolate) prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); // a setuid binary gains nothing

    // Last: the filter traps execve, so even this exec is seen (with its fd table).
    sock_fprog prog{static_cast<unsigned short>(p.filter.size()),
                    const_cast<sock_filter*>(p.filter.data())};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        // Without CAP_SYS_ADMIN in our user namespace the kernel wants no_new_privs first.
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) fail(p, kStageSeccomp, 126);
    }
    execve(p.path.c_str(), p.argvPtrs.data(), p.envp);
    fail(p, kStageExec, errno == ENOENT ? 127 : 126);
}

// Becomes uid:gid for good (forklab is root, run through sudo for that user).
bool dropIds(const LaunchPlan& p) {
    gid_t groups[1] = {p.gid};
    // Raw syscalls: glibc's wrappers would signal every thread of forklab's that its stale
    // thread list names, and wait for them (we are a clone of one thread, alone).
    if (syscall(SYS_setgroups, 1, groups) != 0 ||
        syscall(SYS_setresgid, p.gid, p.gid, p.gid) != 0 ||
        syscall(SYS_setresuid, p.uid, p.uid, p.uid) != 0)
        return false;
    // Changing ids made us undumpable; we must still write our own /proc/self maps.
    prctl(PR_SET_DUMPABLE, 1);
    return true;
}

} // namespace

int launcherMain(void* arg) {
    const LaunchPlan& p = *static_cast<const LaunchPlan*>(arg);
    // First, before anything can block: hold no pipe end but ours, and die with the tracer
    // thread. If forklab died before PDEATHSIG was set, the go pipe now reads EOF, because the
    // only other holders of its write end (forklab, and other launchers before they reach this
    // line) are gone.
    closeAllBut(p.goFd, p.reportFd, p.stdioFd, p.stderrFd);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_NAME, "forklab-sandbox"); // 15 bytes, what comm holds: what `ps` shows
    // forklab's threads may block signals; the program must start with a clean mask.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    char go = 0;
    ssize_t n;
    while ((n = read(p.goFd, &go, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1) _exit(111);
    close(p.goFd);
    setsid();

    if (p.namespaces) {
        if (int stage = makeSandboxMounts(p)) fail(p, stage, 125);
        if (p.isolate && !loopbackUp()) fail(p, kStageLoopback, 125);
    } else {
        prctl(PR_SET_CHILD_SUBREAPER, 1);
    }
    if (p.dropIds && !dropIds(p)) fail(p, kStageDropIds, 125);
    if (p.maxTasks) {
        // Counted per user in the program's own user namespace: only its tasks (and ours).
        rlimit rl{p.maxTasks, p.maxTasks};
        if (setrlimit(RLIMIT_NPROC, &rl) != 0) fail(p, kStageProcessLimit, 125);
    }
    if (p.namespaces && !lockMountsBelow(p)) fail(p, kStageLockMounts, 125);

    // _Fork, not fork: fork() runs glibc's atfork handlers, which take malloc's and stdio's locks
    // — copies of locks another thread of forklab's may have held when we were cloned, locked
    // forever here (the very deadlock mutex-after-fork teaches). It hung a run now and then.
    pid_t program = _Fork();
    if (program < 0) fail(p, kStageFork, 125);
    if (program == 0) {
        signal(SIGCHLD, SIG_DFL);
        execProgram(p);
    }
    close(p.reportFd);

    // Reap everything reparented to us. With nothing left, wait: the tracer ends us (and with
    // us the namespace) when it is done.
    for (;;) {
        if (waitpid(-1, nullptr, __WALL) < 0 && errno == ECHILD) pause();
    }
}

} // namespace forklab
